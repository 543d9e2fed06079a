#!/usr/bin/env bash
# Installs thaw from BUILD_DIR into a temporary prefix, then configures, builds and runs the
# consumer project (this folder) against it with find_package(thaw). Exit status: the
# consumer test's, or the failing step's.
set -euo pipefail
build_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/thaw-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log" || {
  cat "$work/install.log"; exit 1; }
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}"
cmake --build "$work/build" -j2
"$work/build/consumer_test"
