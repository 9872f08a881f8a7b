#!/usr/bin/env bash
# The database on a full filesystem (a 16 MiB tmpfs; skipped with a message where this machine
# cannot mount one: storage/database_test's SQLITE_FULL test covers the same path then):
# releases fail with `internal` and leave nothing half-done (their nonces stay unspent), the
# server keeps serving, and once space returns the same documents are released, the audit chain
# intact.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
e2e_setup "nonce_ttl: 1h" "database: $dir/small/keybroker.db" \
  "rate_limits: {per_address: {per_second: 0}, per_identity: {per_second: 0}, per_key: {per_second: 0}}"
mkdir small
if ! mount -t tmpfs -o size=16m,mode=0700 tmpfs small 2>/dev/null; then
  echo "full disk: SKIPPED, cannot mount a tmpfs here"
  exit 0
fi
trap 'umount "$dir/small" 2>/dev/null || true; cleanup' EXIT
"$kb" keys create --db small/keybroker.db --kek kek.bin --id example-key >/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out instance.pem 2>/dev/null
openssl pkey -in instance.pem -pubout -out pub.pem
client() { python3 "$repo/tests/e2e/crash_client.py" "$port" tls/cert.pem "$kb" ca "$dir" "$@"; }

start
client prepare full 40 || fail "prepare"
dd if=/dev/zero of=small/filler bs=64k 2>/dev/null || true  # until ENOSPC
client fire full 1 || fail "fire"
grep -q '"status": 500' answers.jsonl || fail "no release failed on the full disk"
if grep -vE '"status": (200|500)' answers.jsonl; then fail "unexpected answers on a full disk"; fi
failed=$(grep -c '"status": 500' answers.jsonl)
curl -sf --cacert tls/cert.pem "https://127.0.0.1:$port/healthz" >/dev/null || fail "unhealthy"
rm small/filler
client replay || fail "replay after space returned"
stop
"$kb" audit verify --db small/keybroker.db --kek kek.bin > audit.json || fail "audit chain: $(cat audit.json)"
client check small/keybroker.db || fail "acknowledged releases"
if grep -qE "Sanitizer|runtime error" serve.log; then fail "sanitizer report"; fi
grep -q "database or disk is full" serve.log || fail "the disk-full error is not in the log"
echo "full disk ok: $failed release(s) refused with internal while full, then released; audit" \
  "$(cat audit.json)"
