#!/usr/bin/env bash
# `make demo`: the standard Momento pattern and its per-invoke twin, checked side by side by
# `thaw check` against the same rules. Expected: node-momento PASSES, node-client-per-invoke
# FAILS (naming the instance and the connections that broke "one data connection per
# instance"). Exits 0 when both verdicts are the expected ones — the twin's failure is the point.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
thaw="$root/$build/thaw"
out="$root/$build/demo"
mkdir -p "$out"
cd "$root"

samples=(node-momento node-client-per-invoke)
expected=(0 1)
declare -a pids codes
for i in "${!samples[@]}"; do
  s="${samples[$i]}"
  "$thaw" check "samples/$s/scenario.yaml" --report "$out/$s.html" --junit "$out/$s.xml" \
      --events "$out/$s.jsonl" > "$out/$s.txt" 2>&1 &
  pids[$i]=$!
done
for i in "${!samples[@]}"; do
  wait "${pids[$i]}"
  codes[$i]=$?
done

for i in "${!samples[@]}"; do
  s="${samples[$i]}"
  echo
  echo "=== thaw check samples/$s/scenario.yaml (exit ${codes[$i]}) ==="
  cat "$out/$s.txt"
done

echo
echo "=== verdicts ==="
status=0
for i in "${!samples[@]}"; do
  s="${samples[$i]}"
  verdict=$([[ ${codes[$i]} == 0 ]] && echo PASSED || echo FAILED)
  [[ ${codes[$i]} == 2 ]] && verdict="ERROR"
  ok=$([[ ${codes[$i]} == "${expected[$i]}" ]] && echo "as expected" || echo "NOT AS EXPECTED")
  printf '  %-24s %-7s (%s)  report: %s\n' "$s" "$verdict" "$ok" "$build/demo/$s.html"
  [[ ${codes[$i]} == "${expected[$i]}" ]] || status=1
done
echo
if (( status == 0 )); then
  echo "make demo: OK. node-client-per-invoke FAILED on purpose: it builds a new Momento client"
  echo "on every invoke, and thaw names the instance and the connections that prove it."
  echo "Open the reports in a browser; write your own scenario: see README.md, 'Scenarios'."
else
  echo "make demo: a verdict was not the expected one (see the output above)."
fi
exit $status
