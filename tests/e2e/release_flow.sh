#!/usr/bin/env bash
# Black-box release flow against a real `keybroker serve` on 127.0.0.1 (a free port), with a
# real SQLite file, a KEK file, the development CA and the example policy:
#   release → same bytes again after a restart → wrong PCR denied → replayed evidence refused →
#   audit chain verifies, also against the audit sink, which shows a row cut off the end →
#   the database files hold no key bytes.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
e2e_setup

start
release key1.bin --pcr "0=$pcr0" > r1.json || fail "release: $(cat r1.json)"
[ "$(stat -c %a key1.bin)" = 600 ] || fail "key file mode"
[ "$(stat -c %s key1.bin)" = 32 ] || fail "key size"
if release denied.bin --pcr "0=$(printf 'b%.0s' $(seq 1 96))" > denied.json; then fail "wrong PCR released"; fi
grep -q '"error":"policy_denied"' denied.json || fail "denial code: $(cat denied.json)"
stop

start  # a restart keeps keys, policies and the audit chain
release key2.bin --pcr "0=$pcr0" > r2.json || fail "release after restart: $(cat r2.json)"
cmp -s key1.bin key2.bin || fail "the key changed across a restart"
curl -sf --cacert tls/cert.pem "https://127.0.0.1:$port/healthz" | grep -q '"warning"' \
  || fail "healthz does not warn about the development root"
stop

# SIGTERM closed the database cleanly: the WAL was checkpointed and removed.
[ ! -s keybroker.db-wal ] || fail "the WAL is still there after a clean stop"
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl > audit.json ||
  fail "audit chain: $(cat audit.json)"
# The key's creation (offline), the bootstrap_dir policy and the three releases.
grep -q '"rows":5' audit.json || fail "expected 5 audit rows: $(cat audit.json)"
# All but the key's creation, offline before the first start, are in the sink.
grep -q '"rows_not_in_file":1' audit.json || fail "expected 1 row not in the sink: $(cat audit.json)"
# Cutting the last release off the database: the chain still holds, the sink shows it.
sqlite3 keybroker.db "DELETE FROM audit_log WHERE seq = 5"
if "$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl > cut.json; then
  fail "a row cut off the end went unnoticed: $(cat cut.json)"
fi
grep -q '"kind":"cut_off"' cut.json || fail "cut off: $(cat cut.json)"
key_hex=$(xxd -p -c 64 key1.bin)
if cat keybroker.db keybroker.db-wal 2>/dev/null | xxd -p | tr -d '\n' | grep -q "$key_hex"; then
  fail "key bytes found in the database files"
fi
echo "release flow ok (port $port)"
