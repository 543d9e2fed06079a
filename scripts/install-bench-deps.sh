#!/usr/bin/env bash
# Installs what `make bench` compares thaw against and `make test` never needs:
#   tests/bench/serverless_offline   serverless-offline and the serverless framework v3 it peers
#                                    with (npm ci from the lock file), the in-process Node.js
#                                    baseline of thaw_runtime_bench
# Once: fast when node_modules is already in place. Needs node and npm (scripts/install-deps.sh
# --samples installs them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/tests/bench/serverless_offline"
cd "$dir"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  echo "install-bench-deps: npm ci in tests/bench/serverless_offline"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
