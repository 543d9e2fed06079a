#!/usr/bin/env bash
# Runs every libFuzzer target of a THAW_FUZZ build (tests/fuzz) for SECONDS each, one after the
# other, on a copy of its seed corpus (tests/fuzz/corpus/<name>/; the copy gathers what the run
# finds, the seeds in git stay as they are). A crash, leak, UBSan report or timeout fails the
# run; its input is kept in <build>/crashes/<name>/.
#   scripts/run-fuzzers.sh BUILD_DIR SECONDS [NAME...]
set -euo pipefail
build=${1:?build dir}
seconds=${2:?seconds per target}
shift 2
cd "$(dirname "$0")/.."
names=("$@")
if (( ${#names[@]} == 0 )); then
  for seeds in tests/fuzz/corpus/*/; do names+=("$(basename "$seeds")"); done
fi
failed=()
for name in "${names[@]}"; do
  fuzzer="$build/tests/fuzz/${name}_fuzzer"
  corpus="$build/fuzz-corpus/$name"
  crashes="$build/crashes/$name"
  mkdir -p "$corpus" "$crashes"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $name for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" >"$build/fuzz-$name.log" 2>&1; then
    tail -n 60 "$build/fuzz-$name.log"
    failed+=("$name")
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec)" "$build/fuzz-$name.log" |
    tr '\n' ' ' || true
  echo
done
if (( ${#failed[@]} )); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/crashes/)"
  exit 1
fi
echo "fuzz: every target ran ${seconds}s without a crash"
