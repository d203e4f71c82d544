#!/usr/bin/env bash
# Starts a Baton executable (native runner or "java -jar ..."), waits until it is ready, runs the smoke
# test against it, prints its startup time and RSS, and stops it.
# Usage: native/run-smoke.sh COMMAND...     e.g. native/run-smoke.sh target/native-exe/baton-0.1.0-SNAPSHOT-runner
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
# with redis-server installed, the state goes through a real Redis tier too (scripts, client, codec in the image)
redis_pid=
if command -v redis-server > /dev/null 2>&1; then
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > /dev/null 2>&1 &
  redis_pid=$!
  export BATON_REDIS_URL="redis://127.0.0.1:$redis_port"
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
fi
# safety classifiers in the image too: regular expressions, the YAML file, the verdicts on the response
safety=$(mktemp --suffix=.yaml)
cat > "$safety" <<'YAML'
classifiers:
  - {name: secrets, type: secrets, action: block}
  - {name: pii, type: pii, action: redact}
  - {name: injection, type: injection, action: flag, scope: window, window_tokens: 200}
  - {name: output-pii, type: pii, action: flag, apply_to: output}
YAML
export BATON_SAFETY="$safety"
start=$(date +%s%N)
QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 "$@" > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$safety"; [ -n "$redis_pid" ] && kill $redis_pid 2>/dev/null || true' EXIT
deadline=$((SECONDS + 60))
until curl -sf "http://127.0.0.1:$port/q/health/ready" > /dev/null; do
  if ! kill -0 $pid 2>/dev/null; then cat "$log"; echo "run-smoke: the process exited" >&2; exit 1; fi
  if [ $SECONDS -ge $deadline ]; then cat "$log"; echo "run-smoke: not ready within 60 s" >&2; exit 1; fi
  sleep 0.05
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$HERE/smoke-test.sh" "http://127.0.0.1:$port" || { cat "$log"; exit 1; }
blocked=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"model":"baton-simulator","input":"my key is AKIAIOSFODNN7EXAMPLE"}' "http://127.0.0.1:$port/v1/responses")
[ "$blocked" = 400 ] || { cat "$log"; echo "run-smoke: a secret was not blocked ($blocked)" >&2; exit 1; }
redacted=$(curl -sf -H 'content-type: application/json' \
  -d '{"model":"baton-simulator","input":"mail jane@example.com"}' "http://127.0.0.1:$port/v1/responses")
echo "$redacted" | grep -q '"result":"redacted"' || { cat "$log"; echo "run-smoke: no redaction verdict: $redacted" >&2; exit 1; }
id=$(echo "$redacted" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf "http://127.0.0.1:$port/v1/responses/$id/input_items" | grep -q 'REDACTED:email' \
  || { cat "$log"; echo "run-smoke: the stored input is not redacted" >&2; exit 1; }
echo "run-smoke: safety ok (blocked, redacted)"
# compaction in the image: AES-GCM sealing, the window, a turn that opens the item again
compacted=$(curl -sf -H 'content-type: application/json' \
  -d '{"model":"baton-simulator","input":"the plan is to ship on Friday"}' "http://127.0.0.1:$port/v1/responses/compact")
window=$(echo "$compacted" | python3 -c 'import json,sys; c=json.load(sys.stdin); assert c["object"]=="response.compaction" and c["output"][-1]["type"]=="compaction", c; print(json.dumps(c["output"]))') \
  || { cat "$log"; echo "run-smoke: no compaction window: $compacted" >&2; exit 1; }
continued=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d "{\"model\":\"baton-simulator\",\"input\":$window}" "http://127.0.0.1:$port/v1/responses")
[ "$continued" = 200 ] || { cat "$log"; echo "run-smoke: a turn on the compacted window failed ($continued)" >&2; exit 1; }
echo "run-smoke: compaction ok"
# the console in the image: the landing page, its files (class-path resources), live figures and the inspector
curl -sf "http://127.0.0.1:$port/" | grep -q 'Baton is running' || { cat "$log"; echo "run-smoke: no landing page" >&2; exit 1; }
curl -sf "http://127.0.0.1:$port/console/assets/console.js" | grep -q 'console/api/overview' \
  || { cat "$log"; echo "run-smoke: the console's files are missing from the image" >&2; exit 1; }
curl -sf "http://127.0.0.1:$port/console/api/live" | python3 -c 'import json,sys; f=json.load(sys.stdin); assert f["turns"]["by_status"]["completed"] > 0 and f["recent"], f' \
  || { cat "$log"; echo "run-smoke: no live figures" >&2; exit 1; }
curl -sf "http://127.0.0.1:$port/console/api/chains/$id" | grep -q "\"id\":\"$id\"" \
  || { cat "$log"; echo "run-smoke: the inspector did not find $id" >&2; exit 1; }
echo "run-smoke: console ok"
if [ -n "$redis_pid" ]; then
  curl -sf "http://127.0.0.1:$port/q/health/ready" | grep -qE '"redis": ?"up"' || { cat "$log"; echo "run-smoke: Redis tier not up" >&2; exit 1; }
  keys=$(redis-cli -p "$redis_port" --scan --pattern 'baton:*' | wc -l)
  [ "$keys" -gt 0 ] || { cat "$log"; echo "run-smoke: nothing was written to Redis" >&2; exit 1; }
  echo "run-smoke: Redis tier ok ($keys records)"
fi
# WebSocket mode, driven by the official Node SDK (installed by the test run: src/test/node/node_modules)
NODE_DIR="$HERE/../src/test/node"
if command -v node > /dev/null 2>&1 && [ -d "$NODE_DIR/node_modules/openai" ]; then
  (cd "$NODE_DIR" && node responses-ws.mjs "http://127.0.0.1:$port/v1") || { cat "$log"; exit 1; }
elif [ "${BATON_REQUIRE_NODE:-}" = 1 ]; then
  echo "run-smoke: BATON_REQUIRE_NODE=1 but the Node SDK is not installed in $NODE_DIR" >&2; exit 1
else
  echo "run-smoke: skipping the WebSocket check (no Node.js SDK installed in $NODE_DIR)"
fi
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "run-smoke: ready in ${ready_ms} ms (wall clock to /q/health/ready), RSS after smoke test $((rss_kb / 1024)) MiB"
grep -m1 'started in' "$log" || true
