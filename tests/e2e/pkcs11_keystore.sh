#!/usr/bin/env bash
# The PKCS#11 keystore end to end, on a real SoftHSM2 token (docs/keystores.md):
#   - require_in_token_wrap refuses to start on SoftHSM, which cannot RSA-OAEP-SHA-256 wrap;
#   - the broker starts on a token whose KEK (and derivation key) were planted with known bytes,
#     /healthz and the start-up log name the token and the software release wrap;
#   - kms keys generated in the token and one imported straight into it (RSA-OAEP-SHA-1, what the
#     token offers and import-parameters advertises), many KMS Encrypt/Decrypt calls and releases;
#   - the proof: the broker's whole memory (/proc/PID/mem) holds neither the KEK, nor the
#     derivation key, nor the imported kms key, nor the released key after its wraps, raw or hex;
#     the same scan finds the token PIN the broker keeps, so it can see the broker's heap;
#   - the token goes away (kb_p11_fault turns every call into CKR_DEVICE_ERROR): requests fail
#     with `internal` and a logged cause; it comes back: the same broker serves again;
#   - the database and the rest of the disk, without the token, hold no key, and a broker given
#     another token refuses to start on them;
#   - with the SQLite keystore, after many releases, no copy of the released key lingers, while
#     the same scan finds the KEK file's bytes, which that broker holds by design.
set -euo pipefail
kb=$(realpath "$1")
plant=$(realpath "$2")
memscan=$(realpath "$3")
fault=$(realpath "$4")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
source "$repo/tests/support/softhsm.sh"

module=$(kb_softhsm_module)
label=kb-e2e
pin=e2e-pin-$(openssl rand -hex 12)
cd "$dir"
mkdir client
kb_softhsm_init "$dir/hsm" "$label" "$pin" || fail "softhsm2-util"
(umask 077; printf '%s\n' "$pin" > pin.txt)
kek_hex=$(openssl rand -hex 32)
kdk_hex=$(openssl rand -hex 32)
"$plant" "$module" "$label" "$pin" "keybroker kek" aes "$kek_hex" || fail "plant the KEK"
"$plant" "$module" "$label" "$pin" "keybroker kdk" hmac "$kdk_hex" || fail "plant the KDK"
export KB_P11_FAULT_TARGET=$module KB_P11_FAULT_FLAG=$dir/token-gone
"$kb" dev-attest --platform nitro-enclave --ca-dir ca --out ca/sample.cbor >/dev/null
write_config() {  # EXTRA-KEYSTORE-SETTINGS
  {
    echo "listen: {address: 127.0.0.1, port: 0}"
    echo "workers: 2"
    echo "data_dir: $dir"
    echo "trust_roots: [$dir/ca/root.pem]"
    echo "bootstrap_dir: $repo/docs/examples/bootstrap"
    echo "audit_sink: $dir/audit.jsonl"
    echo "kms: {region: us-east-1, account_id: '111122223333'}"
    echo "keystore: {type: pkcs11, module: $fault, token_label: $label, pin_file: $dir/pin.txt$1}"
  } > config.yaml
}

# --- SoftHSM cannot wrap with RSA-OAEP-SHA-256: requiring the in-token wrap refuses to start.
write_config ", require_in_token_wrap: true"
if "$kb" serve --config config.yaml > refused.out 2> refused.err; then
  fail "require_in_token_wrap started on SoftHSM"
fi
grep -q "keystore.require_in_token_wrap: release keys would be wrapped in software" refused.err ||
  fail "require_in_token_wrap: $(cat refused.err)"

# --- Start on the token; admins exist before the first start (no KEK file anywhere).
write_config ""
KEYBROKER_TOKEN=$("$kb" admin bootstrap --db keybroker.db \
  --roles admin,auditor,key-manager --json | jq -r '.admins[0].token')
export KEYBROKER_TOKEN
start
grep -q "keystore: pkcs11 token $label (SoftHSM project SoftHSM v2)" serve.log ||
  fail "the start-up log does not name the token: $(grep keystore serve.log)"
curl -sS --cacert tls/cert.pem "https://127.0.0.1:$port/healthz" > health.json
[ "$(jq -r .keystore.type health.json)" = pkcs11 ] || fail "healthz: $(cat health.json)"
jq -r .keystore.release_wrap health.json | grep -q '^software: the token cannot wrap' ||
  fail "healthz release_wrap: $(cat health.json)"
[ ! -e kek.bin ] || fail "a KEK file was created"

# --- Keys: the example policy's release key, a kms key generated in the token, and one whose 32
# bytes we know, imported straight into it (the CLI wraps to the advertised algorithm).
admin() { "$kb" admin --url "https://127.0.0.1:$port" --ca tls/cert.pem "$@"; }
admin keys create example-key >/dev/null || fail "create the release key"
admin keys create kms-gen --purpose kms --attestation-required false >/dev/null ||
  fail "create the kms key"
admin keys import-parameters kms-probe --json > params.json
[ "$(jq -r .wrapping_algorithm params.json)" = RSAES_OAEP_SHA_1 ] ||
  fail "SoftHSM unwraps RSA-OAEP with SHA-1 only: $(cat params.json)"
(umask 077; openssl rand -out client/kms-imp.bin 32)
kms_imp_hex=$(xxd -p -c 64 client/kms-imp.bin)
admin keys import kms-imp --file client/kms-imp.bin --purpose kms --attestation-required false \
  >import.out || fail "import of a kms key into the token: $(cat import.out)"
admin principals create app --roles kms-user >/dev/null
admin access-keys create app --json > app.json
for key in kms-gen kms-imp; do
  admin grants create app --key-id $key --operations Encrypt,Decrypt,GenerateDataKey >/dev/null
done
kms() {  # OPERATION JSON → $status, out.json
  status=$(curl -sS -o out.json -w '%{http_code}' --cacert tls/cert.pem \
    --aws-sigv4 "aws:amz:us-east-1:kms" \
    --user "$(jq -r .access_key_id app.json):$(jq -r .secret_access_key app.json)" \
    -H "X-Amz-Target: TrentService.$1" -H 'Content-Type: application/x-amz-json-1.1' \
    --data-binary "$2" "https://127.0.0.1:$port/") || true
}
round_trip() {  # KEY: Encrypt then Decrypt of random bytes; fails the test unless they match
  local plain blob
  plain=$(openssl rand -base64 48)
  kms Encrypt "{\"KeyId\":\"$1\",\"Plaintext\":\"$plain\"}"
  [ "$status" = 200 ] || fail "Encrypt $1: $status $(cat out.json)"
  blob=$(jq -r .CiphertextBlob out.json)
  kms Decrypt "{\"CiphertextBlob\":\"$blob\"}"
  [ "$status" = 200 ] && [ "$(jq -r .Plaintext out.json)" = "$plain" ] ||
    fail "Decrypt $1: $status $(cat out.json)"
}
for i in $(seq 1 15); do round_trip kms-gen; round_trip kms-imp; done
# The imported key is the known bytes: a blob made in the token opens with them here, under
# the token key's AAD domain ("keybroker kms blob v1\0" ‖ header ‖ context).
kms Encrypt '{"KeyId":"kms-imp","Plaintext":"aW4tdG9rZW4="}'
python3 - "$kms_imp_hex" "$(jq -r .CiphertextBlob out.json)" <<'PY' || fail "the imported key is not the known bytes"
import base64, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key, blob = bytes.fromhex(sys.argv[1]), base64.b64decode(sys.argv[2])
n = blob[4]
header, rest = blob[:5 + n + 4], blob[5 + n + 4:]
plain = AESGCM(key).decrypt(rest[:12], rest[12:], b"keybroker kms blob v1\0" + header)
assert plain == b"in-token", plain
PY
for i in $(seq 1 12); do
  release client/rel-$i.bin --pcr "0=$pcr0" > client/rel-$i.json ||
    fail "release $i: $(cat client/rel-$i.json)"
done
cmp -s client/rel-1.bin client/rel-12.bin || fail "two releases of one key differ"
release_hex=$(xxd -p -c 64 client/rel-1.bin)
[ ${#release_hex} = 64 ] || fail "the released key is not 32 bytes"

# --- The proof: nothing of the token's keys, nor of the released key after its wraps, is in the
# broker's memory. The scan reads every readable mapping of the process through /proc/PID/mem.
scan() { "$memscan" "$pid" "$@" > scan.json 2> scan.err; }
# Each secret also by its second half: freeing a 32-byte block lets the allocator write its own
# pointers over the first 16 bytes, which would hide a copy that was never wiped.
halves() { for h in "$@"; do echo "$h" "${h:32}"; done; }
scan $(halves "$kek_hex" "$kdk_hex" "$kms_imp_hex" "$release_hex") || {
  [ $? = 1 ] && fail "key bytes found in the broker's memory: $(cat scan.json)"
  fail "the scan failed: $(cat scan.err)"
}
[ "$(jq -r .scanned_bytes scan.json)" -gt $((10 * 1024 * 1024)) ] ||
  fail "the scan read too little to mean anything: $(cat scan.json)"
# ... and it can fail: the PIN, which the broker keeps to log in again after losing the token,
# is found.
pin_hex=$(printf %s "$pin" | xxd -p -c 256)
if scan "$pin_hex"; then fail "the scan does not find the PIN the broker holds"; fi
[ "$(jq '[.hits[] | select(.form == "raw")] | length' scan.json)" -gt 0 ] ||
  fail "the PIN was not found raw: $(cat scan.json)"

# --- The token goes away and comes back: requests fail cleanly, then the same broker serves.
touch token-gone
kms Encrypt '{"KeyId":"kms-gen","Plaintext":"Z29uZQ=="}'
[ "$status" = 500 ] || fail "Encrypt without the token: $status $(cat out.json)"
if release client/gone.bin --pcr "0=$pcr0" > gone.json 2>&1; then fail "released without the token"; fi
grep -q internal gone.json || fail "release without the token: $(cat gone.json)"
grep -q "pkcs11: .*CKR_DEVICE_ERROR" serve.log || fail "the cause is not logged"
rm token-gone
round_trip kms-gen
release client/back.bin --pcr "0=$pcr0" > client/back.json || fail "release after the token came back"
cmp -s client/back.bin client/rel-1.bin || fail "the key released after the outage differs"
kill -0 "$pid" || fail "the broker died with the token"
stop

# --- A copy of the database and of the rest of the disk, without the token, holds no key: the
# token's directory is the token (SoftHSM keeps it on the disk; an HSM keeps it in the device).
# (client/ is the other side: the enclave's released key, the importer's key file.)
hex_of_files() { find . \( -path ./hsm -o -path ./client \) -prune -o -type f -print0 | xargs -0 cat | xxd -p | tr -d '\n'; }
disk=$(hex_of_files)
[ ${#disk} -gt 100000 ] || fail "the disk copy is too small to mean anything"
for secret in "$kek_hex" "$kdk_hex" "$kms_imp_hex" "$release_hex"; do
  upper=$(tr a-f A-F <<<"$secret")
  for form in "$secret" "$(printf %s "$secret" | xxd -p | tr -d '\n')" \
    "$(printf %s "$upper" | xxd -p | tr -d '\n')"; do
    ! grep -q "$form" <<<"$disk" || fail "a key's bytes are on the disk outside the token"
  done
done
# A broker given another token (a fresh one, with its own KEK) refuses the database.
mv hsm hsm.real
kb_softhsm_init "$dir/hsm" "$label" "$pin" || fail "softhsm2-util (second token)"
if "$kb" serve --config config.yaml > other.out 2> other.err; then
  fail "the broker started on the database with another token"
fi
grep -q "does not match this database" other.err || fail "another token: $(cat other.err)"
rm -rf hsm
mv hsm.real hsm

# --- The SQLite keystore: after many releases no copy of the released key lingers (SecretBytes
# wipes it), while the same scan finds the KEK, which that broker holds for as long as it runs.
mkdir "$dir/sqlite" "$dir/sqlite/client"
cd "$dir/sqlite"
ln -s ../ca ca
(umask 077; openssl rand -out kek.bin 32)
"$kb" keys create --db keybroker.db --kek kek.bin --id example-key >/dev/null
sed -e "s|data_dir: $dir|data_dir: $dir/sqlite|" -e '/^keystore:/d' ../config.yaml > config.yaml
start
for i in $(seq 1 12); do
  release client/rel-$i.bin --pcr "0=$pcr0" > client/rel-$i.json ||
    fail "sqlite release $i: $(cat client/rel-$i.json)"
done
sqlite_release_hex=$(xxd -p -c 64 client/rel-1.bin)
scan $(halves "$sqlite_release_hex") || {
  [ $? = 1 ] && fail "the released key lingers in the SQLite broker's memory: $(cat scan.json)"
  fail "the scan failed: $(cat scan.err)"
}
if scan "$(xxd -p -c 64 kek.bin)"; then fail "the scan does not find the SQLite broker's KEK"; fi
stop
echo "pkcs11 keystore: token keys absent from memory and disk, recovered from a lost token," \
  "no released key lingers (pkcs11 and sqlite)"
