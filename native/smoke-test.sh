#!/usr/bin/env bash
# End-to-end smoke test of a running Baton: create, stream, chain, retrieve, delete and an error.
# Usage: native/smoke-test.sh [BASE_URL]   (default http://127.0.0.1:8080)
set -euo pipefail
BASE=${1:-http://127.0.0.1:8080}
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }

# 1. create (JSON)
first=$(curl -sS -f "$BASE/v1/responses" -H 'content-type: application/json' \
  -d '{"model":"baton-simulator","input":"Hello from the smoke test","instructions":"Be brief."}')
[ "$(json 'd["status"]' <<< "$first")" = completed ] || fail "create: $first"
id=$(json 'd["id"]' <<< "$first")
text=$(json 'd["output"][0]["content"][0]["text"]' <<< "$first")
[[ "$text" == "Simulated reply #1"* ]] || fail "create text: $text"
echo "smoke: create ok ($id)"

# 2. stream (SSE), chained on the first response
sse=$(curl -sS -N -f "$BASE/v1/responses" -H 'content-type: application/json' \
  -d "{\"model\":\"baton-simulator\",\"input\":\"Go on\",\"instructions\":\"Be brief.\",\"stream\":true,\"previous_response_id\":\"$id\"}")
grep -q '^event: response.created' <<< "$sse" || fail "stream has no response.created"
grep -q '^event: response.output_text.delta' <<< "$sse" || fail "stream has no deltas"
completed=$(grep -A1 '^event: response.completed' <<< "$sse" | sed -n 's/^data: //p')
[ -n "$completed" ] || fail "stream has no response.completed"
second=$(json 'd["response"]["id"]' <<< "$completed")
[ "$(json 'd["response"]["previous_response_id"]' <<< "$completed")" = "$id" ] || fail "chain parent"
[[ "$(json 'd["response"]["output"][0]["content"][0]["text"]' <<< "$completed")" == "Simulated reply #2"* ]] \
  || fail "chained turn did not see the first turn"
[ "$(json 'd["response"]["usage"]["input_tokens_details"]["cached_tokens"]' <<< "$completed")" -gt 0 ] \
  || fail "chained turn missed the prefix cache"
echo "smoke: stream + chain ok ($second)"

# 3. retrieve and input items
curl -sS -f "$BASE/v1/responses/$second" | json 'd["id"]' | grep -qx "$second" || fail "retrieve"
curl -sS -f "$BASE/v1/responses/$second/input_items" | json 'd["data"][0]["content"][0]["text"]' | grep -qx "Go on" \
  || fail "input_items"
echo "smoke: retrieve + input_items ok"

# 4. errors in the OpenAI shape
code=$(curl -sS -o /tmp/baton-smoke-err.json -w '%{http_code}' "$BASE/v1/responses" -H 'content-type: application/json' \
  -d '{"model":"baton-simulator","input":"x","previous_response_id":"resp_missing"}')
[ "$code" = 400 ] || fail "unknown previous_response_id gave HTTP $code"
[ "$(json 'd["error"]["code"]' < /tmp/baton-smoke-err.json)" = previous_response_not_found ] || fail "error code"
code=$(curl -sS -o /tmp/baton-smoke-err.json -w '%{http_code}' "$BASE/v1/responses" -H 'content-type: application/json' -d '{"model":')
[ "$code" = 400 ] && [ "$(json 'd["error"]["code"]' < /tmp/baton-smoke-err.json)" = invalid_json ] || fail "malformed JSON gave $code"
echo "smoke: errors ok"

# 5. delete
curl -sS -f -X DELETE "$BASE/v1/responses/$id" | json 'd["deleted"]' | grep -qx True || fail "delete"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/v1/responses/$id")
[ "$code" = 404 ] || fail "deleted response answered $code"
echo "smoke: delete ok"
echo "smoke: PASS"
