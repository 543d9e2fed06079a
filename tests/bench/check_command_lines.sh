#!/usr/bin/env bash
# Every benchmark's command line (bench_cli.h): --help prints the usage and exits 0; an unknown
# argument and a bad value exit 2 with the error and the usage on stderr.
set -u
failed=0
for bench in "$@"; do
  name=$(basename "$bench")
  if ! "$bench" --help | grep -q "^Usage: $name"; then
    echo "FAIL $name --help: no usage, or not exit 0"; failed=1
  fi
  "$bench" --no-such-flag > /dev/null 2> "${TMPDIR:-/tmp}/bench-cli-$$.err"
  code=$?
  if [ "$code" -ne 2 ] || ! grep -q "no-such-flag" "${TMPDIR:-/tmp}/bench-cli-$$.err"; then
    echo "FAIL $name --no-such-flag: exit $code (want 2, naming the flag)"; failed=1
  fi
  rm -f "${TMPDIR:-/tmp}/bench-cli-$$.err"
done
[ "$failed" -eq 0 ] && echo "all $# benchmarks: --help 0, a usage error 2"
exit "$failed"
