#!/usr/bin/env bash
# Installs aws-lambda-ric (thaw's pin, emulator/runtimes/ric) into the thaw cache directory the
# tests/conformance/ric suite uses (tests/conformance/ric/.thaw-cache), once: fast when it is in
# place. Same layout as thaw's own installer (emulator/runtimes/ric/ric_installer.cc):
# <cache>/aws-lambda-ric-<version>/node_modules/aws-lambda-ric with its native addon built.
# Called by scripts/install-test-deps.sh; about a minute the first time (it builds native code).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pin="$root/emulator/runtimes/ric"
version="$(node -p "require('$pin/package.json').dependencies['aws-lambda-ric']")"
cache="$root/tests/conformance/ric/.thaw-cache"
dest="$cache/aws-lambda-ric-$version"
if [[ ! -f "$dest/node_modules/aws-lambda-ric/rapid-client.node" || \
      "$pin/package-lock.json" -nt "$dest/node_modules" ]]; then
  echo "install-test-deps: aws-lambda-ric@$version into tests/conformance/ric/.thaw-cache" \
       "(builds native code, about a minute)"
  rm -rf "$dest.partial" && mkdir -p "$dest.partial"
  cp "$pin/package.json" "$pin/package-lock.json" "$dest.partial/"
  (cd "$dest.partial" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts=false)
  test -f "$dest.partial/node_modules/aws-lambda-ric/rapid-client.node"
  rm -rf "$dest" && mv "$dest.partial" "$dest"
fi
