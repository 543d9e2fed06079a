#!/usr/bin/env bash
# Installs the npm modules the tests and samples need, from each folder's lock file, once: fast
# when node_modules is already in place.
#   tests/conformance/invoke   @aws-sdk/client-lambda against `thaw serve`
#   tests/conformance/momento  @gomomento/sdk against `thaw momento` and `thaw serve`
#   tests/conformance/aws      the AWS SDKs for JS (v3 and v2) against `thaw aws` and `thaw serve`
#   samples/node-*             the Node.js samples `thaw check` runs (tests and `make demo`)
#   emulator/runtimes/nodejs/sdk  the AWS SDK for JavaScript v3 that Lambda's Node.js runtimes
#                              include, which thaw provides to functions that do not bundle it
# With --samples, only the samples and the runtime's SDK (what `make demo` needs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dirs=()
if [[ "${1:-}" != "--samples" ]]; then
  for dir in invoke momento aws; do dirs+=("tests/conformance/$dir"); done
fi
dirs+=("emulator/runtimes/nodejs/sdk")
for dir in "$root"/samples/node-*/; do
  [[ -f "$dir/package-lock.json" ]] && dirs+=("samples/$(basename "$dir")")
done
for dir in "${dirs[@]}"; do
  cd "$root/$dir"
  if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
    echo "install-test-deps: npm ci in $dir"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
  fi
done
[[ "${1:-}" == "--samples" ]] || "$root/scripts/install-ric-test-cache.sh"
