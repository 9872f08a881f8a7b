#!/usr/bin/env bash
# Two brokers (replicas A and B) on one PostgreSQL database, started by this test
# (tests/support/postgres.sh), as docs/ha.md deploys them:
#   1. a challenge from A, its release on B; a policy activated through A holds on B at once;
#   2. the same document posted to A and B at the same moment: exactly one 200;
#   3. a reference revoked through A: B's very next release is denied;
#   4. kill -9 of A under load: every release A acknowledged is an allow row, B kept serving, and
#      what A never answered is released at most once;
#   5. PostgreSQL stopped: /readyz answers 503 and requests fail cleanly (500 internal); once it
#      is back, both brokers serve without a restart; then PostgreSQL restarted under load:
#      requests fail cleanly during the outage and succeed afterwards, with every acknowledged
#      release in the database;
#   6. the audit chain verifies, against each replica's sink too.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/kb-replicas.XXXXXX)
chmod 0711 "$dir"  # the server (user postgres, as root) reaches $dir/pg; nobody lists $dir
pg=$dir/pg
declare -A pid=() port=()
cleanup() {
  for name in "${!pid[@]}"; do kill -9 "${pid[$name]}" 2>/dev/null || true; done
  bash "$repo/tests/support/postgres.sh" stop "$pg" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$dir"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -30 "$log"; }; done
  [ -f "$dir/answers.jsonl" ] && { echo "--- answers.jsonl"; tail -5 "$dir/answers.jsonl"; }
  exit 1
}

bash "$repo/tests/support/postgres.sh" start "$pg" || fail "PostgreSQL did not start"
url=$(cat "$pg/url")
PGPASSWORD=$(cat "$pg/password")
export PGPASSWORD PYTHONDONTWRITEBYTECODE=1
cd "$dir"
(umask 077; openssl rand -out kek.bin 32)
"$kb" dev-attest --platform nitro-enclave --ca-dir ca --out /dev/null >/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out instance.pem 2>/dev/null
openssl pkey -in instance.pem -pubout -out pub.pem
ann=$("$kb" admin bootstrap --db "$url" --kek kek.bin --admins ann \
  --roles admin,key-manager,policy-author,approver --json | jq -r '.admins[0].token')

for name in a b; do
  cat >"$name.yaml" <<EOF
listen: {address: 127.0.0.1, port: 0}
workers: 2
data_dir: $dir
kek_file: $dir/kek.bin
database: $url
database_password_file: $pg/password
database_connections: 8
trust_roots: [$dir/ca/root.pem]
bootstrap_dir: $repo/docs/examples/bootstrap
audit_sink: $dir/$name.jsonl
nonce_ttl: 1h
rate_limits: {per_address: {per_second: 0}, per_identity: {per_second: 0}, per_key: {per_second: 0}}
EOF
done

start() {  # a|b
  local name=$1 before
  before=$(grep -c 'serving https' "$name.log" 2>/dev/null || true)
  "$kb" serve --config "$name.yaml" 2>>"$name.log" &
  pid[$name]=$!
  for _ in $(seq 1 300); do
    if [ "$(grep -c 'serving https' "$name.log" || true)" -gt "${before:-0}" ]; then
      port[$name]=$(grep -o 'serving https://127.0.0.1:[0-9]*' "$name.log" | tail -1 | grep -o '[0-9]*$')
      return 0
    fi
    kill -0 "${pid[$name]}" 2>/dev/null || fail "broker $name exited"
    sleep 0.05
  done
  fail "broker $name did not start"
}
client() { python3 "$repo/tests/e2e/replica_client.py" tls/cert.pem "$kb" ca "$dir" "$@"; }
admin() { "$kb" admin --url "https://127.0.0.1:${port[a]}" --ca tls/cert.pem --token "$ann" "$@"; }
release_on() {  # a|b key pcr-letter
  "$kb" release --url "https://127.0.0.1:${port[$1]}" --ca tls/cert.pem --key-id "$2" \
    --dev-attest ca --pcr "0=$(printf "$3%.0s" $(seq 1 96))" --out "released-$1.bin"
}
acknowledged() { grep -c "\"port\": $1, \"status\": 200" answers.jsonl || true; }

start a
start b  # finds the schema migrated and the chain keyed by A
grep -q "database: postgresql postgresql://keybroker@127.0.0.1" b.log || fail "B's log names no database"
grep -qF "$PGPASSWORD" a.log b.log && fail "the database password is in a broker's log"

# 1. Keys and policies made through A hold on B at once.
admin keys create example-key >keys.out || fail "keys create: $(cat keys.out)"
client prepare "${port[a]}" ab 3
client fire "${port[b]}" ab 2
[ "$(acknowledged "${port[b]}")" = 3 ] || fail "challenges from A released on B: $(cat answers.jsonl)"
pcr_b=$(printf 'b%.0s' $(seq 1 96))
echo "{\"Measurements\": {\"HashAlgorithm\": \"Sha384 { ... }\", \"PCR0\": \"$pcr_b\"}}" > app.json
admin references create --file app.json --name app@1 >/dev/null
admin keys create app-key >/dev/null
printf '%s\n' 'name: app' 'keys: [app-key]' 'platform: nitro-enclave' \
  'freshness: {max_age: 300s, nonce: required}' 'allow:' '  - reference: app@1' > app-policy.yaml
admin policies put --file app-policy.yaml >/dev/null
release_on b app-key b > r.json || fail "a policy activated through A, on B: $(cat r.json)"
echo "1. challenge on A, release on B; a key, a reference and a policy made through A hold on B"

# 2. One document, both brokers, the same moment.
client prepare "${port[a]}" race 12
client race "${port[a]}" "${port[b]}" race || fail "race"

# 3. A revocation through A: B's next request is denied.
admin references revoke app@1 >/dev/null
if release_on b app-key b > r.json 2>&1; then fail "B released after A revoked the reference"; fi
grep -q policy_denied r.json || fail "B's answer after the revocation: $(cat r.json)"
echo "3. a reference revoked through A: B's next release is denied"

# 4. kill -9 of A under load, while B serves.
client prepare "${port[a]}" kill 40
client prepare "${port[b]}" beside 20
client fire "${port[a]}" kill 4 & fire_a=$!
client fire "${port[b]}" beside 2 & fire_b=$!
killed_ok() { grep '"doc": "kill-' answers.jsonl | grep -c '"status": 200' || true; }
for _ in $(seq 1 300); do  # until A has acknowledged a few: then the kill comes mid-load
  [ "$(killed_ok)" -ge 5 ] && break
  sleep 0.05
done
kill -9 "${pid[a]}"; wait "${pid[a]}" 2>/dev/null || true; unset 'pid[a]'
wait "$fire_a" || fail "the client of A"
wait "$fire_b" || fail "the client of B"
beside_ok=$(grep '"doc": "beside-' answers.jsonl | grep -c '"status": 200' || true)
[ "$beside_ok" = 20 ] || fail "B did not serve every release while A died: $beside_ok of 20"
killed=$(killed_ok)
[ "$killed" -ge 5 ] && [ "$killed" -lt 40 ] || fail "A was not killed mid-load: $killed of 40"
client replay "${port[b]}" kill || fail "the documents of A, posted to B"
client check "$url" || fail "acknowledged releases"
echo "4. A killed under load: $killed of 40 acknowledged by A, all in the database; B served 20"

# 5. PostgreSQL away: /readyz says so (the load balancer's check), requests fail cleanly.
mv answers.jsonl answers-killed.jsonl  # its unanswered requests were A's, killed
start a
readyz() { curl -s -o /dev/null -w '%{http_code}' --cacert tls/cert.pem "https://127.0.0.1:${port[$1]}/readyz"; }
[ "$(readyz a)" = 200 ] || fail "A not ready with the database up"
bash "$repo/tests/support/postgres.sh" halt "$pg"
[ "$(readyz a)" = 503 ] || fail "A ready with the database down"
if release_on b example-key a > r.json 2>&1; then fail "B released with the database down"; fi
grep -q internal r.json || fail "B's answer with the database down: $(cat r.json)"
bash "$repo/tests/support/postgres.sh" start "$pg"
[ "$(readyz b)" = 200 ] || fail "B not ready once the database is back"
# And restarted under load.
client fire "${port[a]}" live-a 3 6 & fire_a=$!
client fire "${port[b]}" live-b 3 6 & fire_b=$!
sleep 1.5
bash "$repo/tests/support/postgres.sh" restart "$pg" || fail "PostgreSQL did not restart"
wait "$fire_a" || fail "the client of A"
wait "$fire_b" || fail "the client of B"
grep -q '"status": null' answers.jsonl && fail "a broker did not answer during the outage"
bad=$(grep '"doc": "live-' answers.jsonl | grep -v '"status": 200' | grep -v '"status": 500, "error": "internal"' || true)
[ -z "$bad" ] || fail "answers during the outage other than 200 or 500 internal: $bad"
failed=$(grep -c '"status": 500' answers.jsonl || true)
failed_challenges=$(grep -c 'challenge_failed' answers.jsonl || true)
release_on a example-key a > r.json || fail "A after the restart: $(cat r.json)"
release_on b example-key a > r.json || fail "B after the restart: $(cat r.json)"
cmp -s released-a.bin released-b.bin || fail "A and B released different keys"
client check "$url" || fail "acknowledged releases after the restart"
echo "5. PostgreSQL stopped: /readyz 503, a release 500 internal, both serve once it is back;" \
  "restarted under load: $failed release(s) and $failed_challenges challenge(s)" \
  "answered 500 during the outage; both brokers serve again"

# 6. One chain, whole, and each sink a faithful part of it.
for name in a b; do kill -TERM "${pid[$name]}"; wait "${pid[$name]}" || fail "$name did not stop"; done
pid=()
"$kb" audit verify --db "$url" --kek kek.bin > audit.json || fail "audit chain: $(cat audit.json)"
"$kb" audit verify --db "$url" --kek kek.bin --against b.jsonl > against.json \
  || fail "B's sink: $(cat against.json)"
if grep -qE "Sanitizer|runtime error" a.log b.log; then fail "sanitizer report"; fi
echo "6. audit chain: $(jq -c '{ok, rows}' audit.json); B's sink: $(jq -c '.against | {ok, lines}' against.json)"
echo "replicas ok"
