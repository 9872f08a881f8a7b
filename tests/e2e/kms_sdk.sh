#!/usr/bin/env bash
# The AWS SDK for JavaScript v3 against the KMS API (kms_sdk.cjs). The SDK is installed with
# `npm ci` from tests/kms-sdk/package-lock.json into the build directory.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
modules="$(dirname "$kb")/kms-sdk"
mkdir -p "$modules"
cp "$repo/tests/kms-sdk/package.json" "$repo/tests/kms-sdk/package-lock.json" "$modules/"
if ! cmp -s "$modules/package-lock.json" "$modules/node_modules/.package-lock.json" 2>/dev/null; then
  (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
source "$repo/tests/e2e/lib.sh"
e2e_setup "kms: {region: eu-west-1, account_id: '123456789012'}"
# A kms key; the test also takes its plaintext without a Recipient, which only the key's own
# attestation_required: false allows (a policy can no longer waive it).
"$kb" keys create --db keybroker.db --kek kek.bin --id sdk-key --purpose kms \
  --attestation-required false >/dev/null
start
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
admin() { "$kb" admin --url "https://127.0.0.1:$port" --ca tls/cert.pem "$@"; }
export KEYBROKER_TOKEN=$("$kb" admin bootstrap --db keybroker.db --kek kek.bin \
  --roles admin,policy-author,approver,key-manager --json |
  python3 -c "import json,sys; print(json.load(sys.stdin)['admins'][0]['token'])")
printf '%s\n' 'name: sdk' 'keys: [sdk-key]' 'platform: nitro-enclave' \
  'require_attestation: false' 'freshness: {max_age: 300s, nonce: optional}' 'allow:' \
  "  - pcrs: {0: \"$pcr0\"}" > sdk-policy.yaml
admin policies put --file sdk-policy.yaml >/dev/null
admin principals create app --roles kms-user >/dev/null
admin access-keys create app --json > app.json
admin grants create app --key-id sdk-key \
  --operations Encrypt,Decrypt,GenerateDataKey,DescribeKey >/dev/null  # one approval: the quorum
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out instance.pem 2>/dev/null
openssl pkey -in instance.pem -pubout -out pub.pem
# The SDK test uses one Recipient several times: a document without a nonce, which KMS calls
# accept while it is fresh (kms.recipient_max_age); a nonce in it would have to be one of ours,
# and would be consumed by the first call.
"$kb" dev-attest --platform nitro-enclave --ca-dir ca --out doc.cbor --public-key pub.pem \
  --pcr "0=$pcr0" >/dev/null
NODE_NO_WARNINGS=1 NODE_PATH="$modules/node_modules" node "$repo/tests/e2e/kms_sdk.cjs" "$port" tls/cert.pem \
  app.json doc.cbor instance.pem "$dir" || fail "the SDK interop test"
stop
echo "kms with the AWS SDK for JavaScript ok"
