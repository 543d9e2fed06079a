#!/usr/bin/env bash
# Installs thaw from BUILD_DIR into a temporary prefix, then configures, builds and runs the
# consumer project (this folder) against it with find_package(thaw), and runs a Python handler
# with the installed `thaw` (which must use the installed runtime bootstrap). Exit status: the
# first failing step's.
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

# The installed binary runs a Python handler with the installed runtime bootstrap.
mkdir -p "$work/py"
cat >"$work/py/app.py" <<'PY'
import sys
def handler(event, context):
    return {"bootstrap": sys.argv[0]}
PY
printf 'functions:\n  py: {runtime: python3.12, handler: app.handler, code: py, timeout: 10}\n' \
  >"$work/thaw.yaml"
answer="$(env -u THAW_RUNTIMES_DIR "$work/prefix/bin/thaw" invoke py --config "$work/thaw.yaml" --quiet)"
expected="$work/prefix/share/thaw/runtimes/python/bootstrap.py"
if [[ "$answer" != *"\"$expected\""* ]]; then
  echo "installed thaw: expected the bootstrap $expected, got: $answer" >&2
  exit 1
fi
echo "installed thaw runs $expected"
