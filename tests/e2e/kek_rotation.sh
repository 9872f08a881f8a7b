#!/usr/bin/env bash
# `keybroker kek rotate` through the built binary against a broker's real files: a release key
# and a kms key, an access key, a release and a KMS Encrypt before; refused while the broker runs,
# with a wrong old KEK, and after a failure half-way (a trigger), each time with the database
# unchanged; then rotated, with the chain checked against the old audit sink and written to a new
# one. Afterwards the old KEK verifies nothing, the new one verifies the chain and its new sink,
# and the broker, restarted on the new KEK, releases the same key bytes and decrypts the blob
# made before with the same access key.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
e2e_setup
"$kb" keys create --db keybroker.db --kek kek.bin --id kms-key --purpose kms \
  --attestation-required false >/dev/null
(umask 077; openssl rand -out new-kek.bin 32; openssl rand -out wrong-kek.bin 32)

start
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
admin() { "$kb" admin --url "https://127.0.0.1:$port" --ca tls/cert.pem "$@"; }
export KEYBROKER_TOKEN=$("$kb" admin bootstrap --db keybroker.db --kek kek.bin \
  --roles admin,auditor,key-manager --json |
  python3 -c "import json,sys; print(json.load(sys.stdin)['admins'][0]['token'])")
admin principals create app --roles kms-user >/dev/null
admin access-keys create app --json > app.json
admin grants create app --key-id kms-key --operations Encrypt,Decrypt >/dev/null
: > aws-config
export AWS_CONFIG_FILE=$dir/aws-config AWS_SHARED_CREDENTIALS_FILE=$dir/aws-config AWS_PAGER=""
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1
AWS_ACCESS_KEY_ID=$(field access_key_id <app.json)
AWS_SECRET_ACCESS_KEY=$(field secret_access_key <app.json)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
awskms() { /usr/bin/aws --endpoint-url "https://127.0.0.1:$port" --ca-bundle tls/cert.pem kms "$@"; }
head -c 64 /dev/urandom > secret.bin
awskms encrypt --key-id kms-key --plaintext fileb://secret.bin --query CiphertextBlob \
  --output text | base64 -d > blob || fail "encrypt before the rotation"
release before.bin --pcr "0=$pcr0" > r1.json || fail "release: $(cat r1.json)"

rotate() { "$kb" kek rotate --db keybroker.db "$@"; }
snapshot() { sqlite3 keybroker.db .dump | sha256sum; }
# While the broker runs: refused at once, nothing written.
if rotate --kek kek.bin --new-kek new-kek.bin > busy.json 2> busy.err; then
  fail "rotated while the broker had the database open"
fi
grep -q "in use by another process" busy.err || fail "in use: $(cat busy.err)"
stop

before=$(snapshot)
if rotate --kek wrong-kek.bin --new-kek new-kek.bin > wrong.json; then fail "a wrong KEK rotated"; fi
grep -q 'does not open' wrong.json || fail "wrong KEK: $(cat wrong.json)"
[ "$(snapshot)" = "$before" ] || fail "a refused rotation changed the database"
# A failure half-way (the access keys come after the key versions and the audit chain).
sqlite3 keybroker.db "CREATE TRIGGER half_way BEFORE UPDATE ON access_keys
                      BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;"
if rotate --kek kek.bin --new-kek new-kek.bin > half.json; then fail "the trigger did not fire"; fi
grep -q 'simulated failure' half.json || fail "half way: $(cat half.json)"
sqlite3 keybroker.db "DROP TRIGGER half_way"
[ "$(snapshot)" = "$before" ] || fail "a rotation that failed half-way changed the database"
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl >/dev/null ||
  fail "the old chain no longer verifies after the refusals"

# A new sink without checking the old one would anchor a chain cut before the rotation.
if rotate --kek kek.bin --new-kek new-kek.bin --new-sink audit-2.jsonl 2> unchecked.err; then
  fail "a new sink was started without --against"
fi
grep -q -- "--new-sink needs --against" unchecked.err || fail "unchecked: $(cat unchecked.err)"
[ "$(snapshot)" = "$before" ] && [ ! -e audit-2.jsonl ] || fail "the refusal wrote something"
rotate --kek kek.bin --new-kek new-kek.bin --against audit.jsonl --new-sink audit-2.jsonl \
  --actor ops > rotated.json || fail "rotation: $(cat rotated.json)"
grep -q '"key_versions":2,"access_keys":1' rotated.json || fail "counts: $(cat rotated.json)"
if "$kb" audit verify --db keybroker.db --kek kek.bin > old.json; then
  fail "the old KEK still verifies the chain"
fi
"$kb" audit verify --db keybroker.db --kek new-kek.bin --against audit-2.jsonl > new.json ||
  fail "the new KEK: $(cat new.json)"
grep -q '"rows_not_in_file":0' new.json || fail "the new sink misses rows: $(cat new.json)"
# The old sink's MACs are under the old key: it is archived, not compared any more.
if "$kb" audit verify --db keybroker.db --kek new-kek.bin --against audit.jsonl >/dev/null; then
  fail "the old sink anchored the re-keyed chain"
fi
if rotate --kek kek.bin --new-kek new-kek.bin > again.json; then fail "rotated twice"; fi

# Started on the retired KEK, the broker would seal new keys under it: refused, nothing served.
if timeout 60 "$kb" serve --config config.yaml > old-kek.log 2>&1; then
  fail "served on the retired KEK"
fi
grep -q "the KEK does not match this database" old-kek.log || fail "old KEK: $(cat old-kek.log)"
sed -i -e "s#^kek_file: .*#kek_file: $dir/new-kek.bin#" \
  -e "s#^audit_sink: .*#audit_sink: $dir/audit-2.jsonl#" config.yaml
start
release after.bin --pcr "0=$pcr0" > r2.json || fail "release after rotation: $(cat r2.json)"
cmp -s before.bin after.bin || fail "the released key changed with the KEK"
awskms decrypt --ciphertext-blob fileb://blob --query Plaintext --output text | base64 -d |
  cmp -s - secret.bin || fail "the access key or the kms key no longer works after rotation"
stop
"$kb" audit verify --db keybroker.db --kek new-kek.bin --against audit-2.jsonl > final.json ||
  fail "after serving: $(cat final.json)"
grep -q '"rows_not_in_file":0' final.json || fail "rows missing from the sink: $(cat final.json)"
echo "kek rotation ok"
