#!/usr/bin/env bash
# Validates docker-compose.yml with Debian's docker-compose (no Docker engine needed): the file
# must parse against the Compose schema and define the thaw, momento and aws services on
# 3001, 8080 and 4566.
set -euo pipefail
root="$1"
file="$root/docker-compose.yml"
if ! command -v docker-compose >/dev/null; then
  echo "docker-compose is not installed (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
docker-compose -f "$file" config -q
services="$(docker-compose -f "$file" config --services | sort | tr '\n' ' ')"
if [[ "$services" != "aws momento thaw " ]]; then
  echo "expected services aws momento thaw, got: $services" >&2
  exit 1
fi
resolved="$(docker-compose -f "$file" config)"
for port in 3001 8080 4566; do
  grep -q "published: $port" <<<"$resolved" || grep -q "\"$port:$port\"\|- $port:$port" <<<"$resolved" || {
    echo "no service publishes port $port" >&2
    exit 1
  }
done
echo "docker-compose.yml: valid (services: $services)"
