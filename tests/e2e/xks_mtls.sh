#!/usr/bin/env bash
# XKS mutual TLS over real TLS with curl: with xks.client_ca set, an XKS call needs a client
# certificate from that CA with the configured CN (AWS KMS's cks.kms.<region>.amazonaws.com).
# Refused: no certificate, another CN from the same CA, the right CN from the admin client CA
# (trusted for admins, not for XKS), and a CA trusted for nothing (the handshake fails). And the
# point of it: a key with attestation_required decrypts for a named enclave only over mutual TLS.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
cn=cks.kms.us-east-1.amazonaws.com
ca() {  # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
leaf() {  # name ca cn
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 1 \
    -out "$1.pem" 2>/dev/null
}
e2e_setup "xks: {enabled: true, uri_prefix: /m, client_ca: $dir/xks-ca.pem}" \
  "admin_client_ca: $dir/admin-ca.pem"
ca xks-ca; ca admin-ca; ca stranger-ca
leaf kms xks-ca "$cn"; leaf wrong-cn xks-ca "cks.kms.eu-west-1.amazonaws.com"
# As AWS KMS's is, a certificate issued by an intermediate, sent with the chain.
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' > ca.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=xks-int" \
  -keyout xks-int.key -out xks-int.csr 2>/dev/null
openssl x509 -req -in xks-int.csr -CA xks-ca.pem -CAkey xks-ca.key -CAcreateserial -days 1 \
  -extfile ca.ext -out xks-int.pem 2>/dev/null
leaf kms-leaf xks-int "$cn"; cat kms-leaf.pem xks-int.pem > kms-chain.pem
leaf admin-signed admin-ca "$cn"; leaf stranger stranger-ca "$cn"
"$kb" keys create --db keybroker.db --kek kek.bin --id sealed --purpose kms >/dev/null
start
grep -q "mutual TLS with $cn" serve.log || fail "the start-up log does not name the mTLS subject"
export KEYBROKER_TOKEN=$("$kb" admin bootstrap --db keybroker.db --kek kek.bin \
  --roles admin,policy-author,approver --json | jq -r '.admins[0].token')
admin() { "$kb" admin --url "https://127.0.0.1:$port" --ca tls/cert.pem "$@"; }
admin principals create store --roles xks-proxy >/dev/null
admin access-keys create store --json > ak.json
image=$(printf 'ab%.0s' $(seq 1 48))
printf '%s\n' "name: m" "kind: xks" "keystores: [store]" "keys: [sealed]" "allow:" \
  "  - kms_operation: [Encrypt]" "    aws_principal_arn: ['arn:aws:iam::111122223333:*']" \
  "  - kms_operation: [Decrypt]" "    aws_principal_arn: ['arn:aws:iam::111122223333:*']" \
  "    recipient: {image_sha384: $image}" > policy.yaml
admin policies put --file policy.yaml >/dev/null

call() {  # path body [curl args]: prints "STATUS BODY"; curl's exit code on a failed handshake
  local path=$1 body=$2; shift 2
  curl -sS --cacert tls/cert.pem --aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy" \
    --user "$(jq -r .access_key_id ak.json):$(jq -r .secret_access_key ak.json)" \
    -H 'Content-Type: application/json' --data "$body" -o out.json -w '%{http_code}' "$@" \
    "https://127.0.0.1:$port/m/kms/xks/v1/$path" 2>curl.err && echo " $(cat out.json)"
}
md='"requestMetadata": {"kmsRequestId": "m1", "kmsOperation": "Encrypt", "awsPrincipalArn": "arn:aws:iam::111122223333:role/a", "kmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/k"}'
health='{"requestMetadata": {"kmsRequestId": "h", "kmsOperation": "KmsHealthCheck"}}'
with() { echo --cert "$1.pem" --key "$1.key"; }

[ "$(call health "$health" $(with kms) | cut -c1-3)" = 200 ] || fail "AWS KMS's certificate refused"
for who in none wrong-cn admin-signed; do
  args=(); [ "$who" = none ] || args=($(with "$who"))
  got=$(call health "$health" "${args[@]}")
  case "$got" in 401*AuthenticationFailedException*) ;; *) fail "$who: expected 401, got $got" ;; esac
done
# New connections from one client: TLS 1.3 would resume them without the intermediates.
statuses=$(curl -sS --tlsv1.3 --cacert tls/cert.pem --aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy" \
  --user "$(jq -r .access_key_id ak.json):$(jq -r .secret_access_key ak.json)" \
  -H 'Content-Type: application/json' -H 'Connection: close' --data "$health" \
  --cert kms-chain.pem --key kms-leaf.key -o /dev/null -o /dev/null -o /dev/null \
  -w '%{http_code} ' \
  "https://127.0.0.1:$port/m/kms/xks/v1/health" "https://127.0.0.1:$port/m/kms/xks/v1/health" \
  "https://127.0.0.1:$port/m/kms/xks/v1/health")
[ "$statuses" = "200 200 200 " ] || fail "reconnections with an intermediate-issued certificate: $statuses"
if call health "$health" $(with stranger) >/dev/null; then
  fail "a certificate from an untrusted CA completed the handshake"
fi

enc=$(call keys/sealed/encrypt "{$md, \"plaintext\": \"aGVsbG8=\", \"encryptionAlgorithm\": \"AES_GCM\"}" $(with kms))
[ "${enc:0:3}" = 200 ] || fail "encrypt: $enc"
decrypt_body() {  # extra requestMetadata
  echo "${enc:4}" | jq -c --arg image "$1" '{requestMetadata: {kmsRequestId: "m2", kmsOperation: "Decrypt",
    awsPrincipalArn: "arn:aws:iam::111122223333:role/a", kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k",
    kmsRecipientAttestationImageSha384: $image}, encryptionAlgorithm: "AES_GCM", ciphertext,
    initializationVector, authenticationTag, ciphertextMetadata}'
}
got=$(call keys/sealed/decrypt "$(decrypt_body "$image")" $(with kms))
[ "$(echo "${got:4}" | jq -r .plaintext)" = aGVsbG8= ] || fail "attested decrypt: $got"
got=$(call keys/sealed/decrypt "$(decrypt_body "$(printf 'cd%.0s' $(seq 1 48))")" $(with kms))
case "$got" in 403*AccessDeniedException*) ;; *) fail "another enclave: $got" ;; esac
echo "xks mutual TLS: ok"
