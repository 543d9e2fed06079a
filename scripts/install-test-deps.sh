#!/usr/bin/env bash
# Installs the npm modules the conformance tests drive (real third-party clients), from the
# lock file, once: fast when node_modules is already in place.
set -euo pipefail
# tests/conformance-momento: the real @gomomento/sdk against `thaw momento`.
(
  cd "$(dirname "$0")/../tests/conformance-momento"
  if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
    echo "install-test-deps: npm ci in tests/conformance-momento"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
  fi
)
# tests/conformance-aws: the AWS SDKs for JS (v3 and v2) against `thaw aws`.
(
  cd "$(dirname "$0")/../tests/conformance-aws"
  if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
    echo "install-test-deps: npm ci in tests/conformance-aws"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
  fi
)
cd "$(dirname "$0")/../tests/conformance"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  echo "install-test-deps: npm ci in tests/conformance"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
