#!/usr/bin/env bash
# Generates every secret of the compose stack as a random value, one file each, in
# deploy/docker/secrets/ (or the folder given). The folder is 0700 (no other account on the
# host can open it); the files are 0644 because compose mounts them into containers that run
# as their own users (facetag 10001, redis, neo4j, grafana), which must be able to read them.
# An existing real secret is kept (rotating a database password needs the database's own
# procedure); a placeholder is replaced.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"
random() { local s; s="$(head -c 96 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')"; printf '%s' "${s:0:$1}"; }
for example in "$here"/secrets.example/*.txt; do
  name="$(basename "$example")"
  target="$dir/$name"
  if [ -s "$target" ] && ! grep -qi 'change_me' "$target"; then
    echo "kept      $target"
    continue
  fi
  case "$name" in
    minio_root_user.txt) value="facetag-$(random 8)" ;;
    *) value="$(random 40)" ;;
  esac
  printf '%s\n' "$value" > "$target"
  chmod 644 "$target"
  echo "generated $target"
done
