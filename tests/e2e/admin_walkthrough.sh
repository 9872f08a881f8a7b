#!/usr/bin/env bash
# The README's admin walkthrough, command for command, against a real `keybroker serve`:
# an empty broker with the two-person rule at 2 → the first admin token (offline) → principals
# → a reference from nitro-cli JSON → a policy → approvals → a key imported without its secret
# on the wire → a release of a dev-attested document that unwraps to the imported bytes.
# Then: the audit chain verifies, and no token or secret is in the server's log or database.
set -euo pipefail
kb=$(realpath "$1")
dir=$(mktemp -d /tmp/kb-admin.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/serve.log" ] && cat "$dir/serve.log"; exit 1; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

cd "$dir"
# --- README walkthrough: setup
(umask 077; openssl rand -out kek.bin 32)
"$kb" dev-attest --platform nitro-enclave --ca-dir dev-ca --out /dev/null >/dev/null
cat > config.yaml <<CONFIG
listen: {address: 127.0.0.1, port: 0}
data_dir: $dir
trust_roots: [$dir/dev-ca/root.pem]
approvals_required: 2
audit_sink: $dir/audit.jsonl
log_level: debug
CONFIG
"$kb" serve --config config.yaml 2>serve.log &
pid=$!
for _ in $(seq 1 100); do
  port=$(grep -o 'serving https://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || fail "server did not start"
export KEYBROKER_URL="https://127.0.0.1:$port"
admin() { "$kb" admin --url "$KEYBROKER_URL" --ca tls/cert.pem "$@"; }

# --- 1. Two admins, offline; then two people with separate duties, approved by both admins.
admins=$("$kb" admin bootstrap --db keybroker.db --kek kek.bin --admins ann,ben --json)
ann=$(jq -r '.admins[0].token' <<<"$admins"); ben=$(jq -r '.admins[1].token' <<<"$admins")
export KEYBROKER_TOKEN=$ann
admin principals create alice --roles policy-author,key-manager >/dev/null
admin principals create bob --roles approver,auditor >/dev/null
alice=$(admin tokens create alice --ttl 8h --json); bob=$(admin tokens create bob --ttl 8h --json)
# One admin alone made nothing usable yet.
if admin --token "$(jq -r .token <<<"$alice")" whoami >/dev/null 2>&1; then
  fail "a principal one admin created authenticated before a second admin approved it"
fi
admin --token "$ben" principals approve alice >/dev/null
admin --token "$ben" principals approve bob >/dev/null
admin --token "$ben" tokens approve "$(jq -r .id <<<"$alice")" >/dev/null
admin --token "$ben" tokens approve "$(jq -r .id <<<"$bob")" >/dev/null
alice=$(jq -r .token <<<"$alice"); bob=$(jq -r .token <<<"$bob")
unset KEYBROKER_TOKEN
if "$kb" admin bootstrap --db keybroker.db --kek kek.bin >/dev/null; then
  fail "a second bootstrap"
fi

# --- 2. Alice registers the enclave build from nitro-cli's output; Bob approves it.
pcr() { printf "$1%.0s" $(seq 1 96); }
cat > payments.json <<JSON
{"Measurements": {"HashAlgorithm": "Sha384 { ... }",
  "PCR0": "$(pcr a)", "PCR1": "$(pcr b)", "PCR2": "$(pcr c)"}}
JSON
admin --token "$alice" references create --file payments.json --name payments@1.0 \
  --source "nitro-cli build-enclave, CI run 4711" >/dev/null
[ "$(admin --token "$bob" references get payments@1.0 --json | field status)" = pending ] ||
  fail "a new reference must wait for approval"
admin --token "$bob" references approve payments@1.0 >/dev/null

# --- 3. Alice proposes the policy; Bob approves version 1, which activates it.
cat > payments-policy.yaml <<YAML
name: payments
keys: [payments-key]
platform: nitro-enclave
freshness: {max_age: 300s, nonce: required}
allow:
  - reference: payments@1.0
YAML
admin --token "$alice" policies put --file payments-policy.yaml >/dev/null
if admin --token "$alice" policies approve payments --version 1 >/dev/null 2>&1; then
  fail "an author approved their own policy"
fi
admin --token "$bob" policies approve payments --version 1 >/dev/null

# --- 4. Alice imports the key: wrapped locally to one-time parameters.
(umask 077; openssl rand -out payments-key.bin 32)
admin --token "$alice" keys import payments-key --file payments-key.bin >/dev/null

# --- 5. A dev-attested enclave releases it.
"$kb" release --url "$KEYBROKER_URL" --ca tls/cert.pem --key-id payments-key --out released.bin \
  --dev-attest dev-ca --pcr "0=$(pcr a)" --pcr "1=$(pcr b)" --pcr "2=$(pcr c)" >release.json ||
  fail "release: $(cat release.json)"
cmp -s released.bin payments-key.bin || fail "released bytes differ from the imported ones"

# --- 6. The record.
admin --token "$bob" audit verify --json | grep -q '"ok":true' || fail "audit chain"
# Offline, with the KEK, against the sink (the bootstrap row was written offline: not in it).
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl >verify.json ||
  fail "audit verify --against: $(cat verify.json)"
admin --token "$bob" audit list --limit 1000 >audit.txt
for action in admin.bootstrap principal.create principal.approve token.create token.approve \
  reference.create reference.approve policy.put policy.approve key.create release; do
  grep -q " $action " audit.txt || fail "no $action row in the audit log"
done
# --- end of walkthrough

# Dry run: the explanation, and exit 1 for a deny.
"$kb" dev-attest --platform nitro-enclave --ca-dir dev-ca --out other.cbor --pcr "0=$(pcr d)" \
  >/dev/null
if admin --token "$bob" policies evaluate payments --evidence other.cbor --json >eval.json; then
  fail "dry run of a foreign build allowed"
fi
grep -q '"decision":"deny"' eval.json || fail "dry run: $(cat eval.json)"
# A wrong role is refused with the contract's code.
if admin --token "$bob" keys create x --json >forbidden.json; then fail "approver created a key"; fi
grep -q '"error":"forbidden"' forbidden.json || fail "forbidden: $(cat forbidden.json)"

# Secret hygiene: no token, key byte string or KEK (hex, base64 or raw) in the debug log, the
# audit log, /metrics or the database files.
curl -sf --cacert tls/cert.pem "https://127.0.0.1:$port/metrics" >metrics.txt || fail "metrics"
admin --token "$bob" audit list --limit 1000 --json >audit.json
kill -TERM "$pid"; wait "$pid" || true; pid=""
needles=("$ann" "$ben" "$alice" "$bob")
for secret in payments-key.bin kek.bin; do
  needles+=("$(xxd -p -c 64 "$secret")" "$(base64 -w0 "$secret")")
done
for needle in "${needles[@]}"; do
  for f in serve.log keybroker.db keybroker.db-wal metrics.txt audit.txt audit.json; do
    [ -f "$f" ] || continue
    if grep -qiF -- "$needle" "$f"; then fail "a token, the key or the KEK is in $f"; fi
  done
done
python3 - <<'PY' || fail "raw key or KEK bytes are in the database or the logs"
import os, sys
for secret_file in ("payments-key.bin", "kek.bin"):
    secret = open(secret_file, "rb").read()
    for f in ("keybroker.db", "keybroker.db-wal", "serve.log", "metrics.txt", "audit.json"):
        if os.path.exists(f) and secret in open(f, "rb").read():
            sys.exit(f"{secret_file} in {f}")
PY
grep -q "POST /v1/release 200" serve.log || fail "debug logging did not log requests"
echo "admin walkthrough ok"
