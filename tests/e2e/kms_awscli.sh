#!/usr/bin/env bash
# The KMS-compatible API against the AWS CLI from Debian (awscli, unmodified, only
# --endpoint-url and --ca-bundle): ListKeys, ListAliases, DescribeKey, Encrypt → Decrypt with an
# EncryptionContext (a wrong one fails), GenerateDataKey → Decrypt, GenerateRandom; a key with
# attestation required withholds plaintext; a key without a grant and a release key are refused;
# a wrong secret, a revoked key and a principal without kms-user are refused; every call is in
# the audit log.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
e2e_setup "kms: {region: eu-west-1, account_id: '123456789012'}"
# kms keys: free-key gives plaintext to its grantees, sealed-key only to a Recipient that an
# active policy allows (none does). example-key (lib.sh) is a release key.
"$kb" keys create --db keybroker.db --kek kek.bin --id free-key --purpose kms \
  --attestation-required false >/dev/null
"$kb" keys create --db keybroker.db --kek kek.bin --id sealed-key --purpose kms >/dev/null
start
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
admin() { "$kb" admin --url "https://127.0.0.1:$port" --ca tls/cert.pem "$@"; }
export KEYBROKER_TOKEN=$("$kb" admin bootstrap --db keybroker.db --kek kek.bin \
  --roles admin,auditor,key-manager --json |
  python3 -c "import json,sys; print(json.load(sys.stdin)['admins'][0]['token'])")
admin principals create app --roles kms-user >/dev/null
admin principals create reader --roles auditor >/dev/null
admin access-keys create app --json > app.json
admin access-keys create reader --json > reader.json
ops=Encrypt,Decrypt,GenerateDataKey,GenerateDataKeyWithoutPlaintext,DescribeKey
for key in free-key sealed-key; do  # one approval is the quorum here
  admin grants create app --key-id "$key" --operations "$ops" >/dev/null
done
if admin grants create app --key-id example-key --operations Decrypt >/dev/null; then
  fail "a release key was granted to a kms-user"
fi

: > aws-config
export AWS_CONFIG_FILE=$dir/aws-config AWS_SHARED_CREDENTIALS_FILE=$dir/aws-config AWS_PAGER=""
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=eu-west-1 AWS_MAX_ATTEMPTS=1
use() {  # credentials file
  AWS_ACCESS_KEY_ID=$(field access_key_id <"$1")
  AWS_SECRET_ACCESS_KEY=$(field secret_access_key <"$1")
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}
awskms() { /usr/bin/aws --endpoint-url "https://127.0.0.1:$port" --ca-bundle tls/cert.pem kms "$@"; }
refused() {  # expected exception, command...
  local expected=$1; shift
  if awskms "$@" >out.txt 2>err.txt; then fail "aws kms $* succeeded"; fi
  grep -q "$expected" err.txt || fail "aws kms $*: expected $expected, got $(cat err.txt)"
}
use app.json

awskms list-keys --query 'Keys[].KeyId' --output text | grep -q free-key || fail "list-keys"
awskms list-aliases --query 'Aliases[].AliasName' --output text | grep -q alias/sealed-key \
  || fail "list-aliases"
awskms list-keys --query 'Keys[].KeyId' --output text | grep -q example-key && fail "release key"
[ "$(awskms describe-key --key-id alias/free-key --query KeyMetadata.Arn --output text)" = \
  "arn:aws:kms:eu-west-1:123456789012:key/free-key" ] || fail "describe-key"
refused AccessDeniedException describe-key --key-id alias/nothing  # never granted

head -c 100 /dev/urandom > secret.bin
refused AccessDeniedException encrypt --key-id example-key --plaintext fileb://secret.bin
awskms encrypt --key-id alias/free-key --plaintext fileb://secret.bin \
  --encryption-context tenant=a,purpose=e2e --query CiphertextBlob --output text | base64 -d > blob
awskms decrypt --ciphertext-blob fileb://blob --encryption-context tenant=a,purpose=e2e \
  --query Plaintext --output text | base64 -d | cmp -s - secret.bin || fail "decrypt round trip"
refused InvalidCiphertextException decrypt --ciphertext-blob fileb://blob \
  --encryption-context tenant=b,purpose=e2e
refused IncorrectKeyException decrypt --ciphertext-blob fileb://blob --key-id sealed-key \
  --encryption-context tenant=a,purpose=e2e

awskms generate-data-key --key-id free-key --key-spec AES_256 --output json > dk.json
field Plaintext <dk.json | base64 -d > dk.bin
[ "$(stat -c %s dk.bin)" = 32 ] || fail "data key size"
field CiphertextBlob <dk.json | base64 -d > dk.blob
awskms decrypt --ciphertext-blob fileb://dk.blob --query Plaintext --output text | base64 -d |
  cmp -s - dk.bin || fail "data key decrypt"
[ "$(awskms generate-random --number-of-bytes 48 --query Plaintext --output text | base64 -d |
     wc -c)" = 48 ] || fail "generate-random"

# sealed-key requires attestation and no active policy allows a Recipient: nobody gets it.
awskms generate-data-key-without-plaintext --key-id sealed-key --number-of-bytes 32 \
  --query CiphertextBlob --output text | base64 -d > governed.blob
refused AccessDeniedException decrypt --ciphertext-blob fileb://governed.blob
refused AccessDeniedException generate-data-key --key-id sealed-key --key-spec AES_256

use reader.json
refused AccessDeniedException list-keys
use app.json
AWS_SECRET_ACCESS_KEY=wrong-secret-wrong-secret-wrong-secret00 refused InvalidSignatureException \
  list-keys
admin access-keys revoke "$(field access_key_id <app.json)" >/dev/null
refused UnrecognizedClientException list-keys

stop
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl > audit.json || fail "audit chain: $(cat audit.json)"
start
admin audit list --limit 1000 > audit.txt || fail "audit list: $(cat audit.txt)"
for action in kms.Encrypt kms.Decrypt kms.GenerateDataKey kms.GenerateRandom; do
  grep -q " $action " audit.txt || fail "no $action row"
done
stop
for f in serve.log keybroker.db keybroker.db-wal; do
  if [ -f "$f" ] && grep -qF "$(field secret_access_key <app.json)" "$f"; then
    fail "an access key secret is in $f"
  fi
done
echo "kms with the AWS CLI ok"
