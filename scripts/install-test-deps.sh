#!/usr/bin/env bash
# Installs the npm modules the conformance tests drive (real third-party clients), from each
# folder's lock file, once: fast when node_modules is already in place.
#   tests/conformance          @aws-sdk/client-lambda against `thaw serve`
#   tests/conformance-momento  @gomomento/sdk against `thaw momento` and `thaw serve`
#   tests/conformance-aws      the AWS SDKs for JS (v3 and v2) against `thaw aws` and `thaw serve`
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for dir in conformance conformance-momento conformance-aws; do
  cd "$root/tests/$dir"
  if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
    echo "install-test-deps: npm ci in tests/$dir"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
  fi
done
[[ "${1:-}" == "--samples" ]] || "$root/scripts/install-ric-test-cache.sh"
