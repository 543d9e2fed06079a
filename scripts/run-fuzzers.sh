#!/usr/bin/env bash
# Runs every libFuzzer target of a THAW_FUZZ build (tests/fuzz) for SECONDS each, JOBS at a time
# (default: the number of CPUs; each target is one process), on a copy of its seed corpus
# (tests/fuzz/corpus/<name>/; the copy gathers what the run finds, the seeds in git stay as they
# are). A crash, leak, UBSan report or timeout fails the run; its input is kept in
# <build>/crashes/<name>/.
#   [JOBS=N] scripts/run-fuzzers.sh BUILD_DIR SECONDS [NAME...]
set -euo pipefail
build=${1:?build dir}
seconds=${2:?seconds per target}
shift 2
jobs=${JOBS:-$(nproc)}
cd "$(dirname "$0")/.."
names=("$@")
if (( ${#names[@]} == 0 )); then
  for seeds in tests/fuzz/corpus/*/; do names+=("$(basename "$seeds")"); done
fi

# Runs one target; its exit status is the fuzzer's.
fuzz_one() {
  local name=$1
  local fuzzer="$build/tests/fuzz/${name}_fuzzer"
  local corpus="$build/fuzz-corpus/$name"
  local crashes="$build/crashes/$name"
  mkdir -p "$corpus" "$crashes"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" >"$build/fuzz-$name.log" 2>&1
}

# Prints one target's result once it has ended.
report() {
  local name=$1 status=$2
  if (( status != 0 )); then
    tail -n 60 "$build/fuzz-$name.log"
    failed+=("$name")
  fi
  echo "fuzz: $name $( ((status == 0)) && echo ok || echo FAILED) after ${seconds}s:" \
    "$(grep -E "^stat::(number_of_executed_units|average_exec_per_sec)" "$build/fuzz-$name.log" |
       tr '\n' ' ' || true)"
}

failed=()
declare -A running=()  # pid -> name

# Waits for one running target to end and reports it.
reap_one() {
  local done_pid status
  set +e
  wait -n -p done_pid "${!running[@]}"
  status=$?
  set -e
  report "${running[$done_pid]}" "$status"
  unset "running[$done_pid]"
}

for name in "${names[@]}"; do
  while (( ${#running[@]} >= jobs )); do reap_one; done
  echo "fuzz: $name for ${seconds}s"
  fuzz_one "$name" &
  running[$!]=$name
done
while (( ${#running[@]} > 0 )); do reap_one; done
if (( ${#failed[@]} )); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/crashes/)"
  exit 1
fi
echo "fuzz: every target ran ${seconds}s without a crash"
