#!/usr/bin/env bash
# Crash safety: releases under load while the server is killed with SIGKILL at random moments,
# CRASH_CYCLES times (default 6), restarting each time. Then:
#   - every document is posted again: no nonce is ever accepted twice across the restarts;
#   - `keybroker audit verify` passes;
#   - every release a client got a 200 for is an "allow" row with its decision id (nothing
#     acknowledged is lost);
#   - keys and policies are intact: the key released at the end is the key released at the start.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
e2e_setup "nonce_ttl: 1h" \
  "rate_limits: {per_address: {per_second: 0}, per_identity: {per_second: 0}, per_key: {per_second: 0}}"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out instance.pem 2>/dev/null
openssl pkey -in instance.pem -pubout -out pub.pem
client() { python3 "$repo/tests/e2e/crash_client.py" "$port" tls/cert.pem "$kb" ca "$dir" "$@"; }

start
release key-before.bin --pcr "0=$pcr0" > r.json || fail "first release: $(cat r.json)"
cycles=${CRASH_CYCLES:-6}
for cycle in $(seq 1 "$cycles"); do
  client prepare "$cycle" 30 || fail "prepare $cycle"
  client fire "$cycle" 6 &
  fire_pid=$!
  sleep "0.$(( RANDOM % 6 + 1 ))"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  wait "$fire_pid" || fail "client of cycle $cycle"
  start
done
acknowledged=$(grep -c '"status": 200' answers.jsonl || true)
client replay || fail "replay"
stop
"$kb" audit verify --db keybroker.db --kek kek.bin > audit.json || fail "audit chain: $(cat audit.json)"
client check keybroker.db || fail "acknowledged releases"
start
release key-after.bin --pcr "0=$pcr0" > r.json || fail "release after the crashes: $(cat r.json)"
cmp -s key-before.bin key-after.bin || fail "the key changed across the crashes"
stop
if grep -qE "Sanitizer|runtime error" serve.log; then fail "sanitizer report"; fi
echo "crash test ok: $cycles kill -9 cycles, $acknowledged releases acknowledged before the" \
  "replays, audit $(cat audit.json)"
