#!/usr/bin/env bash
# Starts this worker's face detection service (services.detectionPort, default 5001) and
# embedding service (services.embeddingPort, default 5002), for those who know the seed's
# services/start_services.sh. A thin wrapper over `facetag service`; arguments (--host,
# --config, --data) go to both. Ctrl-C or SIGTERM stops both.
#
#   services/start_services.sh --host 10.10.10.11 --config /etc/facetag/facetag.yaml
#
# On a node described by a cluster file, `facetag cluster up` (cluster/start_cluster.sh)
# starts these and the node's other processes, and restarts them when they fail.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
node "$ROOT/bin/facetag.js" service detection "$@" &
detection=$!
node "$ROOT/bin/facetag.js" service embedding "$@" &
embedding=$!
stopping=0
trap 'stopping=1; kill -TERM "$detection" "$embedding" 2>/dev/null || true' INT TERM
status=0
wait -n "$detection" "$embedding" || status=$?
kill -TERM "$detection" "$embedding" 2>/dev/null || true
wait "$detection" "$embedding" 2>/dev/null || true
# Stopped on request: a clean exit. One service died on its own: its status.
if [ "$stopping" = 1 ]; then exit 0; fi
exit "$status"
