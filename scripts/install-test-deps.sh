#!/usr/bin/env bash
# Installs the npm modules the conformance tests drive (real third-party clients), from each
# folder's lock file, once: fast when node_modules is already in place.
#   tests/conformance          @aws-sdk/client-lambda against `thaw serve`
#   tests/conformance-momento  @gomomento/sdk against `thaw momento` and `thaw serve`
#   tests/conformance-aws      the AWS SDKs for JS (v3 and v2) against `thaw aws` and `thaw serve`
#   tests/conformance-ric      aws-lambda-ric (thaw's pin, emulator/runtimes/ric), installed the way
#                              thaw installs it, into the thaw cache directory that suite uses
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

# The same layout as thaw's own installer (emulator/runtimes/ric/ric_installer.cc):
# <cache>/aws-lambda-ric-<version>/node_modules/aws-lambda-ric with its native addon built.
pin="$root/emulator/runtimes/ric"
version="$(node -p "require('$pin/package.json').dependencies['aws-lambda-ric']")"
cache="$root/tests/conformance-ric/.thaw-cache"
dest="$cache/aws-lambda-ric-$version"
if [[ ! -f "$dest/node_modules/aws-lambda-ric/rapid-client.node" || \
      "$pin/package-lock.json" -nt "$dest/node_modules" ]]; then
  echo "install-test-deps: aws-lambda-ric@$version into tests/conformance-ric/.thaw-cache" \
       "(builds native code, about a minute)"
  rm -rf "$dest.partial" && mkdir -p "$dest.partial"
  cp "$pin/package.json" "$pin/package-lock.json" "$dest.partial/"
  (cd "$dest.partial" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts=false)
  test -f "$dest.partial/node_modules/aws-lambda-ric/rapid-client.node"
  rm -rf "$dest" && mv "$dest.partial" "$dest"
fi
