#!/usr/bin/env bash
# Starts this node's part of the facetag cluster, for those who know the seed's
# cluster/start_cluster.sh. A thin wrapper: validates the cluster file, then runs
# `facetag cluster up`, which starts the node's processes (dashboard, queue worker,
# detection and embedding services), restarts them when they fail and stops them on
# Ctrl-C / SIGTERM.
#
#   cluster/start_cluster.sh --file /etc/facetag/cluster.yaml [--node worker-1]
#
# For a service manager instead: facetag cluster units --print systemd|launchd.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
node "$ROOT/bin/facetag.js" cluster check --static "$@" >/dev/null
exec node "$ROOT/bin/facetag.js" cluster up "$@"
