#!/usr/bin/env bash
# The README's admin walkthrough, the block itself (tests/docs/readme_blocks.py extracts it),
# against a real `keybroker serve`: an empty broker with the two-person rule at 2 → the first
# admin tokens (offline) → principals → a reference from nitro-cli JSON → a policy → approvals →
# a key imported without its secret on the wire → a release of a dev-attested document that
# unwraps to the imported bytes. Then: one admin alone, an author alone and a new reference get
# nothing; a dry run explains a deny; a wrong role is refused; the audit chain verifies, against
# its sink too; and no token or secret is in the server's log, the database or the audit log.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/kb-admin.XXXXXX)
pid=""
status_shown=""
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -z "$status_shown" ] && [ -f "$dir/walkthrough.log" ]; then
    echo "FAIL (exit $status) in the README walkthrough; its output:"; cat "$dir/walkthrough.log"
  fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/walkthrough.log" ] && cat "$dir/walkthrough.log"; status_shown=1; exit 1; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# --- The README's walkthrough block, as written, except: its directory /tmp/kb-walk is this
# test's, port 9443 a free one, and the config gets two more lines (debug logging, an audit sink)
# for the checks below. It runs in this shell, so its variables, its `admin` function and its
# server are there afterwards; the server's log goes with the block's output to walkthrough.log.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$repo/tests/docs/readme_blocks.py" "$repo/README.md" --containing "--admins ann,ben" \
  > "$dir/walkthrough.sh"
extra="'log_level: debug' 'audit_sink: $dir/audit.jsonl'"
sed -i -e "s#/tmp/kb-walk#$dir#g" -e "s#9443#$port#g" \
  -e "s#'approvals_required: 2'#'approvals_required: 2' $extra#" "$dir/walkthrough.sh"
for rewritten in "cd $dir" "127.0.0.1:$port" "$extra"; do
  grep -qF -- "$rewritten" "$dir/walkthrough.sh" || fail "the README walkthrough changed: no $rewritten"
done
mkdir -p "$dir/repo/build" && ln -s "$kb" "$dir/repo/build/keybroker" && cd "$dir/repo"
# shellcheck source=/dev/null
source "$dir/walkthrough.sh" > "$dir/walkthrough.log" 2>&1
pid=$!  # the block's one background job: its `keybroker serve`
[ "$(pwd)" = "$dir" ] || fail "the walkthrough did not end in its directory"
grep -q "the enclave has the key" walkthrough.log || fail "the walkthrough did not release the key"

# --- What the walkthrough showed, checked: the two-person rule held at every step. (kb, ann,
# ben, alice, bob and admin() are the block's.)
# shellcheck disable=SC2154
if "$kb" admin bootstrap --db keybroker.db --kek kek.bin --admins eve >/dev/null 2>&1; then
  fail "a second bootstrap"
fi
admin principals create carol --roles auditor >/dev/null  # by ann alone
carol=$(admin tokens create carol --ttl 1h --json)
if admin --token "$(jq -r .token <<<"$carol")" whoami >/dev/null 2>&1; then
  fail "a principal one admin created authenticated before a second admin approved it"
fi
admin --token "$alice" references create --file payments.json --name payments@1.1 \
  --source "nitro-cli build-enclave, CI run 4712" >/dev/null
[ "$(admin --token "$bob" references get payments@1.1 --json | field status)" = pending ] ||
  fail "a new reference must wait for approval"
sed 's/max_age: 300s/max_age: 120s/' payments-policy.yaml > payments-policy-2.yaml
admin --token "$alice" policies put --file payments-policy-2.yaml >/dev/null
if admin --token "$alice" policies approve payments --version 2 >/dev/null 2>&1; then
  fail "an author approved their own policy"
fi
admin --token "$bob" audit verify --json | grep -q '"ok":true' || fail "audit chain"
# Offline, with the KEK, against the sink (the bootstrap row was written offline: not in it).
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl >verify.json ||
  fail "audit verify --against: $(cat verify.json)"
admin --token "$bob" audit list --limit 1000 >audit.txt
for action in admin.bootstrap principal.create principal.approve token.create token.approve \
  reference.create reference.approve policy.put policy.approve key.create release; do
  grep -q " $action " audit.txt || fail "no $action row in the audit log"
done

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
  for f in walkthrough.log keybroker.db keybroker.db-wal metrics.txt audit.txt audit.json; do
    [ -f "$f" ] || continue
    if grep -qiF -- "$needle" "$f"; then fail "a token, the key or the KEK is in $f"; fi
  done
done
python3 - <<'PY' || fail "raw key or KEK bytes are in the database or the logs"
import os, sys
for secret_file in ("payments-key.bin", "kek.bin"):
    secret = open(secret_file, "rb").read()
    for f in ("keybroker.db", "keybroker.db-wal", "walkthrough.log", "metrics.txt", "audit.json"):
        if os.path.exists(f) and secret in open(f, "rb").read():
            sys.exit(f"{secret_file} in {f}")
PY
grep -q "POST /v1/release 200" walkthrough.log || fail "debug logging did not log requests"
echo "admin walkthrough ok"
