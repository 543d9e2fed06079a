#!/usr/bin/env bash
# Regenerates docs/report.png (and docs/report.html): a real `thaw serve` run of the
# conformance functions — Momento client at module scope vs per invoke, secret fetched at
# module scope vs per invoke — an 11-minute clock advance that reaps them, one more cold
# start, then `thaw report` on the run's events and a headless Chromium screenshot.
# Needs: build/thaw, curl, chromium, and scripts/install-test-deps.sh's node_modules.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "$serve" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/thaw.yaml" <<YAML
functions:
  cache-good:    {runtime: provided.al2023, handler: module-scope, code: "$root/tests/conformance/momento/lambda", timeout: 20}
  cache-bad:     {runtime: provided.al2023, handler: per-invoke, code: "$root/tests/conformance/momento/lambda", timeout: 20}
  secret-good:   {runtime: nodejs20.x, handler: index.once, code: "$root/tests/conformance/aws/lambda", timeout: 20}
  secret-bad:    {runtime: nodejs20.x, handler: per_invoke.handler, code: "$root/tests/conformance/aws/lambda", timeout: 20}
secrets:
  momento/api-key: {value: {MOMENTO_API_KEY: "local-key"}}
YAML
"$root/build/thaw" serve --port 0 --quiet --config "$work/thaw.yaml" > "$work/serve.out" &
serve=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
base="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out")"
invoke() { curl -sf -X POST "$base/2015-03-31/functions/$1/invocations" -d '{"key":"k"}' > /dev/null; }

invoke cache-good & invoke cache-good & wait %2 %3   # two at once: two instances
for _ in 1 2 3; do invoke cache-good; invoke cache-bad; invoke secret-good; invoke secret-bad; done
curl -sf -X POST "$base/_thaw/clock/advance" -d '{"duration":"11m"}' > /dev/null
for _ in $(seq 50); do   # wait until the reaped instances are gone
  [[ "$(curl -sf "$base/_thaw/instances")" == '{"instances":[]}' ]] && break; sleep 0.1
done
invoke cache-good   # a cold start after the reap: a new instance, a new connection
curl -sf "$base/_thaw/events" > "$work/events.json"

"$root/build/thaw" report "$work/events.json" -o "$root/docs/report.html" \
  --title "cache-good vs cache-bad, secret-good vs secret-bad"
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$work/profile" \
  --window-size=1540,520 --screenshot="$root/docs/report.png" "file://$root/docs/report.html" \
  2> /dev/null
echo "wrote docs/report.png and docs/report.html"
