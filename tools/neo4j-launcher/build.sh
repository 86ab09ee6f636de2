#!/usr/bin/env bash
# Builds target/neo4j-launcher.jar + target/lib/*.jar (deps), then (unless NEO4J_CDS=0) a
# class-data-sharing archive target/neo4j-launcher.jsa from one training start (~15 s),
# which cuts later start-ups from ~12 s to ~7 s. Idempotent: skips what is up to date.
# First run fetches ~125 MB from Maven Central into ~/.m2; later runs work offline
# (MVN_OFFLINE=1 forces mvn -o). FORCE=1 rebuilds.
set -euo pipefail
cd "$(dirname "$0")"
JAR=target/neo4j-launcher.jar
JSA=target/neo4j-launcher.jsa
if [[ -f $JAR && -d target/lib && "${FORCE:-0}" != 1 ]] \
   && [[ -z "$(find pom.xml src -newer "$JAR" -type f -print -quit)" ]]; then
  :
else
  command -v mvn >/dev/null || { echo "neo4j-launcher: mvn not found (apt-get install maven)" >&2; exit 1; }
  OFF=()
  [[ "${MVN_OFFLINE:-0}" == 1 ]] && OFF=(-o)
  rm -rf target/lib "$JSA"
  mvn -q -B -Dstyle.color=never "${OFF[@]}" -DskipTests package
  echo "neo4j-launcher: built $JAR" >&2
fi
if [[ "${NEO4J_CDS:-1}" != 0 && ! -f $JSA ]]; then
  # Training run: start on a free loopback port with a throwaway home, exit right after READY;
  # the JVM writes the archive at exit. JVM flags must match start.sh's (-XX:+UseSerialGC).
  home="$(mktemp -d)"
  if NEO4J_PASSWORD="cds-training-$$-$RANDOM" NEO4J_LAUNCHER_EXIT_AFTER_READY=1 \
      timeout 180 java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -XX:ArchiveClassesAtExit="$PWD/$JSA.tmp" -jar "$PWD/$JAR" 0 "$home" >"$home.log" 2>&1 \
      && [[ -s $JSA.tmp ]]; then
    mv -f "$JSA.tmp" "$JSA"
    echo "neo4j-launcher: built $JSA" >&2
  else
    echo "neo4j-launcher: CDS archive not built (non-fatal); see $home.log" >&2
    rm -f "$JSA.tmp"
  fi
  rm -rf "$home"
fi
