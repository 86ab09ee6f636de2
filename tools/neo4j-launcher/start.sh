#!/usr/bin/env bash
# Usage: NEO4J_PASSWORD=... start.sh [port=7687, 0=free port] [datadir=<fresh temp dir, deleted on stop>]
# Starts the embedded Neo4j in the background, waits (<= ${NEO4J_START_TIMEOUT:-120}s) for READY.
# Prints the READY line on stdout. Writes the pid to ${NEO4J_PID_FILE:-<datadir or /tmp>/neo4j-launcher-<port>[-<shellpid> if port 0].pid},
# logs to <same>.log (both paths are echoed on stderr).
# Stop with: kill -TERM "$(cat <pidfile>)"
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PORT="${1:-${NEO4J_PORT:-7687}}"
DATADIR="${2:-${NEO4J_HOME_DIR:-}}"
TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
[[ -n "${NEO4J_PASSWORD:-}" ]] || { echo "start.sh: NEO4J_PASSWORD is empty" >&2; exit 2; }
"$HERE/build.sh"
if [[ -n "$DATADIR" ]]; then mkdir -p "$DATADIR"; DATADIR="$(cd "$DATADIR" && pwd)"; fi
BASE="${DATADIR:-${TMPDIR:-/tmp}}/neo4j-launcher-$PORT"
[[ "$PORT" == 0 ]] && BASE="$BASE-$$"  # free-port mode: keep concurrent instances apart
PIDFILE="${NEO4J_PID_FILE:-$BASE.pid}"
LOG="$BASE.log"
# Defaults tuned for small test DBs; override with NEO4J_JAVA_OPTS.
JAVA_OPTS=${NEO4J_JAVA_OPTS:--Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}
CDS=()
[[ -f "$HERE/target/neo4j-launcher.jsa" && "${NEO4J_CDS:-1}" != 0 ]] && CDS=("-XX:SharedArchiveFile=$HERE/target/neo4j-launcher.jsa")
# shellcheck disable=SC2086
nohup java $JAVA_OPTS "${CDS[@]}" -jar "$HERE/target/neo4j-launcher.jar" "$PORT" ${DATADIR:+"$DATADIR"} >"$LOG" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PIDFILE"
for ((i = 0; i < TIMEOUT * 10; i++)); do
  if grep -q '^READY ' "$LOG" 2>/dev/null; then
    grep -m1 '^READY ' "$LOG"
    echo "start.sh: pid $PID in $PIDFILE, log $LOG" >&2
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "start.sh: neo4j-launcher exited early; log $LOG:" >&2; tail -n 40 "$LOG" >&2; rm -f "$PIDFILE"; exit 1
  fi
  sleep 0.1
done
echo "start.sh: no READY after ${TIMEOUT}s; killing $PID (log $LOG)" >&2
kill -TERM "$PID" 2>/dev/null || true
rm -f "$PIDFILE"
exit 1
