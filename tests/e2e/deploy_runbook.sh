#!/usr/bin/env bash
# Runs docs/deploy.md: every ```sh block, as written, in the runbook's order, against a live
# broker started from deploy/config.production.yaml. The runbook's paths (/etc/keybroker,
# /var/lib/keybroker, /var/log/keybroker, /var/backups/keybroker) are moved under a temporary
# root and https://127.0.0.1:8443 to the test's port; `keybroker` on PATH is the built binary.
# What the runbook does with systemd (start, stop) or leaves to the operator (values such as a
# token), this script does in between, and it checks the outcomes the runbook promises: a backup
# of the live database verifies and holds every row; a lost token is revoked and a new one works
# only once a second admin approved it; a second bootstrap is refused; after a KEK rotation the
# broker serves with the new KEK and the chain verifies against the new sink. Every ```sh block
# must carry a `<!-- runbook: NAME -->` marker and be run here.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
doc=$repo/docs/deploy.md
dir=$(mktemp -d /tmp/kb-runbook.XXXXXX)
pid=""
port=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/serve.log" ] && tail -30 "$dir/serve.log"; exit 1; }

root=$dir/root
mkdir -p "$dir/bin" "$dir/work" "$root"
ln -s "$kb" "$dir/bin/keybroker"
export PATH="$dir/bin:$PATH"
cd "$dir/work"

# The block after `<!-- runbook: NAME -->`, its fence's indentation removed.
block() {
  awk -v name="$1" '
    $0 ~ "<!-- runbook: " name " -->" { armed = 1; next }
    armed && /^ *```sh$/ { inside = 1; match($0, /^ */); indent = RLENGTH; next }
    inside && /^ *```$/ { exit }
    inside { print substr($0, indent + 1) }' "$doc"
}
ran=" "
run() {  # name: runs the block with the paths moved; its stdout goes to NAME.out
  local text
  text=$(block "$1")
  [ -n "$text" ] || fail "no sh block marked $1 in docs/deploy.md"
  text=$(sed -e "s#/etc/keybroker#$root/etc/keybroker#g" \
             -e "s#/var/lib/keybroker#$root/var/lib/keybroker#g" \
             -e "s#/var/log/keybroker#$root/var/log/keybroker#g" \
             -e "s#/var/backups/keybroker#$root/var/backups/keybroker#g" \
             -e "s#https://127.0.0.1:8443#https://127.0.0.1:$port#g" <<<"$text")
  bash -euo pipefail -c "$text" > "$1.out" 2> "$1.err" ||
    fail "runbook block $1 failed: $(cat "$1.err") $(cat "$1.out")"
  ran+="$1 "
}

start() {
  keybroker serve --config "$root/etc/keybroker/config.yaml" 2>>"$dir/serve.log" &
  pid=$!
  local before
  before=$(grep -c 'serving https' "$dir/serve.log" || true)
  for _ in $(seq 1 200); do
    if [ "$(grep -c 'serving https' "$dir/serve.log" || true)" -gt "$before" ]; then
      port=$(grep -o 'serving https://127.0.0.1:[0-9]*' "$dir/serve.log" | tail -1 | grep -o '[0-9]*$')
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "server exited"
    sleep 0.05
  done
  fail "server did not start"
}
stop() { kill -TERM "$pid"; wait "$pid" || fail "server did not stop cleanly"; pid=""; }
admin() {
  keybroker admin --url "https://127.0.0.1:$port" --ca "$root/etc/keybroker/tls/cert.pem" "$@"
}
db=$root/var/lib/keybroker/keybroker.db
kek=$root/etc/keybroker/kek.bin
rows() { keybroker audit verify --db "$1" --kek "$kek" | jq -r .rows; }

# --- 1, 2: certificate, KEK, the production configuration, the ceremony.
run tls-csr
grep -q "IP Address:127.0.0.1" tls-csr.out || fail "the request lacks its SAN: $(cat tls-csr.out)"
run tls-self-signed
grep -q "DNS:keybroker.example.internal" tls-self-signed.out || fail "certificate SAN"
run kek-create
[ "$(cat kek-create.out)" = "600 32" ] || fail "KEK mode and size: $(cat kek-create.out)"
install -d -m 0700 "$root/var/lib/keybroker" "$root/var/log/keybroker"
# The unit's LoadCredential= copies the KEK and the TLS key to /run/credentials/...; here the
# broker reads them where the runbook made them.
sed -e "s#/etc/keybroker#$root/etc/keybroker#g" -e "s#/var/lib/keybroker#$root/var/lib/keybroker#g" \
    -e "s#/var/log/keybroker#$root/var/log/keybroker#g" \
    -e "s#^kek_file: .*#kek_file: $kek#" -e "s#address: 0.0.0.0 .*#address: 127.0.0.1#" \
    -e "s#/run/credentials/keybroker.service/tls-key.pem#$root/etc/keybroker/tls/key.pem#" \
    -e "s#port: 8443#port: 0#" -e "s#^workers: 0 .*#workers: 2#" \
    "$repo/deploy/config.production.yaml" > "$root/etc/keybroker/config.yaml"
start
grep -q 'WARNING' "$dir/serve.log" && fail "the production configuration starts with a warning"
run bootstrap
token_of() { awk -v who="$1" '$1 == "principal:" { p = $2 } $1 == "token:" && p == who { print $2 }' bootstrap.out; }
ann=$(token_of ann); ben=$(token_of ben); cat=$(token_of cat)
[ -n "$ann" ] && [ -n "$ben" ] && [ -n "$cat" ] || fail "bootstrap tokens: $(cat bootstrap.out)"
if keybroker admin bootstrap --db "$db" --kek "$kek" --admins eve,mal > again.json; then
  fail "a second bootstrap was allowed"
fi
grep -q 'principals exist already' again.json || fail "second bootstrap: $(cat again.json)"
for admin_name in ann ben cat; do
  BOOTSTRAP_TOKEN=${!admin_name} ADMIN=$admin_name run own-token
  grep -Eq "principal.*\b$admin_name\b" own-token.out || fail "whoami: $(cat own-token.out)"
done
ann_own=$(jq -r .token ann-token.json); ben_own=$(jq -r .token ben-token.json)
cat_own=$(jq -r .token cat-token.json)

# --- 6: Ann loses her token; Ben revokes it and issues her a new one, which Cat approves.
lost=$(jq -r .id ann-token.json)
KEYBROKER_TOKEN=$ben_own LOST_TOKEN_ID=$lost run revoke-token
if admin --token "$ann_own" whoami >/dev/null 2>&1; then fail "a revoked token still works"; fi
KEYBROKER_TOKEN=$ben_own run token-for-another
new_ann=$(jq -r .token ann-token.json)
if admin --token "$new_ann" whoami >/dev/null 2>&1; then fail "a token for another worked unapproved"; fi
if admin --token "$ben_own" tokens approve "$(jq -r .id ann-token.json)" >/dev/null 2>&1; then
  fail "the issuer approved the token they issued"
fi
admin --token "$cat_own" tokens approve "$(jq -r .id ann-token.json)" >/dev/null ||
  fail "Cat could not approve Ann's new token"
admin --token "$new_ann" whoami --json | grep -q '"principal":"ann"' || fail "Ann's new token"

# --- 7: metrics and the scheduled check.
run metrics
grep -q '^keybroker_requests_total' metrics.out || fail "metrics: $(cat metrics.out)"
run audit-check
jq -e '.ok and .against.ok' audit-check.out >/dev/null || fail "audit check: $(cat audit-check.out)"

# --- 3: backups of the live database hold every row and verify.
run backup
backup=$(ls "$root"/var/backups/keybroker/*Z.db)
[ "$(rows "$backup")" = "$(rows "$db")" ] || fail "the backup lacks rows of the live database"
[ "$(stat -c %a "$backup")" = 600 ] || fail "backup mode"
run backup-vacuum
[ "$(rows "$(ls "$root"/var/backups/keybroker/*-vacuum.db)")" = "$(rows "$db")" ] ||
  fail "VACUUM INTO lacks rows"
run versions
[ "$(tail -1 versions.out)" = "$(sqlite3 "$db" 'PRAGMA user_version')" ] || fail "versions"
stop
backup=$backup run restore
start
admin --token "$new_ann" whoami >/dev/null || fail "the restored database lost Ann's token"

# --- 4: KEK rotation, with the broker stopped.
run kek-new
stop
run kek-rotate
jq -e '.rotated' kek-rotate.out >/dev/null || fail "rotation: $(cat kek-rotate.out)"
[ -f "$root/etc/keybroker/kek.retired" ] || fail "the old KEK was not kept"
if keybroker audit verify --db "$db" --kek "$root/etc/keybroker/kek.retired" >/dev/null; then
  fail "the retired KEK still verifies the chain"
fi
start
run kek-verify
jq -e '.ok and .against.rows_not_in_file == 0' kek-verify.out >/dev/null ||
  fail "after rotation: $(cat kek-verify.out)"
admin --token "$new_ann" whoami >/dev/null || fail "tokens after rotation"
run audit-check
stop

# Every sh block was run.
for name in $(grep -o '<!-- runbook: [a-z-]* -->' "$doc" | awk '{print $3}'); do
  [[ "$ran" == *" $name "* ]] || fail "runbook block $name is not run by this test"
done
blocks=$(grep -c '^ *```sh$' "$doc")
markers=$(grep -c '<!-- runbook: ' "$doc")
[ "$blocks" = "$markers" ] || fail "$blocks sh blocks but $markers markers in docs/deploy.md"
echo "deploy runbook ok (port $port)"
