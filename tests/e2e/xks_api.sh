#!/usr/bin/env bash
# The XKS proxy API v1 (docs/xks.md) against an XKS client written from the specification with
# `curl --aws-sigv4` and jq: GetHealthStatus, GetKeyMetadata, Encrypt and Decrypt under the URI
# prefix; the ciphertextDataIntegrityValue recomputed here (checked first against the spec's test
# vector); round trips of 0, 4300 and 8192 bytes with an 8192-byte AAD; every tampered field is
# InvalidCiphertextException; every error the server can give from outside (validation, sizes,
# paths, GET, unknown/disabled/release keys, SigV4 failures, a revoked or rotated access key, an
# XKS policy's denials); the dry run explains an allow and a deny; every call is an audit row
# with its kmsRequestId; no plaintext or secret reaches the logs or the database.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"

b64() { base64 -w0 "$@"; }
# SHA-256(aad || metadata || iv || ciphertext || tag) over the decoded bytes, no length prefixes.
cdiv() { for v in "$@"; do base64 -d <<<"$v"; done | openssl dgst -sha256 -binary | b64; }
[ "$(cdiv "$(printf %s project=nile,department=marketing | b64)" "$(printf %s key_version=1 | b64)" \
  HMrlRw85cAJUd5Ax ghxkK1txeDNn3q8Y vBxN2ncH1oEkR8WVXpmyYQ==)" = \
  qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc= ] || fail "the CDIV helper misses the spec's test vector"

# The KMS API answers in eu-west-1, XKS in us-east-1: the XKS scope has its own region.
e2e_setup "kms: {region: eu-west-1, account_id: '123456789012'}" \
  "xks: {enabled: true, uri_prefix: /xks, region: us-east-1, fleet_size: 2}"
# xks-key-1 decrypts for any caller a rule allows; xks-sealed (attestation_required) only for a
# Nitro Recipient that a rule with a recipient condition matches; no policy names xks-key-2.
for key in xks-key-1 xks-key-2; do
  "$kb" keys create --db keybroker.db --kek kek.bin --id $key --purpose kms \
    --attestation-required false >/dev/null
done
"$kb" keys create --db keybroker.db --kek kek.bin --id xks-sealed --purpose kms >/dev/null
start
admin() { "$kb" admin --url "https://127.0.0.1:$port" --ca tls/cert.pem "$@"; }
KEYBROKER_TOKEN=$("$kb" admin bootstrap --db keybroker.db --kek kek.bin \
  --roles admin,auditor,key-manager,policy-author,approver --json | jq -r '.admins[0].token')
export KEYBROKER_TOKEN
# Two logical keystores (xks-proxy principals) and a KMS user, each with an access key; one
# approval is the quorum here, so each is usable at once.
admin principals create xks-s3 --roles xks-proxy >/dev/null
admin principals create xks-other --roles xks-proxy >/dev/null
admin principals create app --roles kms-user >/dev/null
for p in xks-s3 xks-other app; do admin access-keys create "$p" --json >"$p.json"; done
arn=arn:aws:iam::111122223333:role/app
cat >xks-policy.yaml <<EOF
name: s3-external
kind: xks
keystores: [xks-s3]
keys: [xks-key-1, xks-sealed]
allow:
  - kms_operation: [CreateKey, Encrypt, Decrypt, GenerateDataKey, ReEncrypt]
    aws_principal_arn: ["$arn", "arn:aws:iam::444455556666:*"]
  - kms_operation: [Decrypt]
    aws_principal_arn: ["arn:aws:iam::111122223333:role/enclave"]
    recipient: {pcrs: {0: "$pcr0"}}
deny:
  - aws_principal_arn: ["arn:aws:iam::444455556666:user/mallory"]
EOF
# A second policy gives the key store a key that does not exist and a release key.
printf '%s\n' 'name: s3-misc' 'kind: xks' 'keystores: [xks-s3]' 'keys: [no-such-key, example-key]' \
  'allow:' '  - kms_operation: [CreateKey, Encrypt, Decrypt]' \
  "    aws_principal_arn: ['arn:aws:iam::111122223333:*']" >misc-policy.yaml
for f in xks-policy.yaml misc-policy.yaml; do  # one approval is the quorum here
  admin policies put --file $f >put.txt || fail "policy put $f: $(cat put.txt)"
done

# --- The client. Every signed call: the credentials of $creds, region $region, service $svc.
base="https://127.0.0.1:$port/xks/kms/xks/v1"
creds=xks-s3.json region=us-east-1 svc=kms-xks-proxy op=Encrypt calls=0 tls_client=()
key_arn=arn:aws:kms:us-east-1:111122223333:key/0b5d2ef5-xks
curl_signed() {  # path, curl args... → $status, the body in out.json
  local path=$1; shift
  : >out.json
  status=$(curl -sS -o out.json -w '%{http_code}' --cacert tls/cert.pem "${tls_client[@]}" \
    --aws-sigv4 "aws:amz:$region:$svc" \
    --user "$(jq -r .access_key_id "$creds"):$(jq -r .secret_access_key "$creds")" \
    -H 'Content-Type: application/json' "$@" "$base$path") || true  # 000: no answer
}
# KMS signs only host and x-amz-date (curl --aws-sigv4 also signs content-type): this signer
# does the same, with openssl, and is checked against curl's signature below.
hmac() { openssl dgst -sha256 -mac HMAC -macopt "$1" -binary | xxd -p -c 256; }  # KEYOPT <DATA
sha256hex() { openssl dgst -sha256 -binary | xxd -p -c 256; }
sigv4() {  # AKID SECRET REGION PATH BODY-FILE AMZ-DATE HEADER-LINES SIGNED-NAMES → Authorization
  local day=${6:0:8} scope k canonical
  scope="$day/$3/kms-xks-proxy/aws4_request"
  canonical=$(printf 'POST\n%s\n\n%s\n\n%s\n%s' "$4" "$7" "$8" "$(sha256hex <"$5")")
  k=$(printf %s "$day" | hmac "key:AWS4$2")
  for part in "$3" kms-xks-proxy aws4_request; do k=$(printf %s "$part" | hmac "hexkey:$k"); done
  printf 'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s' "$1" "$scope" "$8" \
    "$(printf 'AWS4-HMAC-SHA256\n%s\n%s\n%s' "$6" "$scope" "$(printf %s "$canonical" | sha256hex)" | hmac "hexkey:$k")"
}
kms_call() {  # PATH SIGNED-BODY-FILE [AMZ-DATE [SENT-BODY-FILE]] → $status, out.json
  local day=${3:-$(date -u +%Y%m%dT%H%M%SZ)} auth
  auth=$(sigv4 "$(jq -r .access_key_id "$creds")" "$(jq -r .secret_access_key "$creds")" \
    "$region" "${signed_base:-/xks/kms/xks/v1}$1" "$2" "$day" "host:127.0.0.1:$port"$'\n'"x-amz-date:$day" \
    "host;x-amz-date")
  status=$(curl -sS -o out.json -w '%{http_code}' --cacert tls/cert.pem -H "Authorization: $auth" \
    -H "X-Amz-Date: $day" -H 'Content-Type: application/json' --data-binary "@${4:-$2}" "$base$1")
}
# send PATH [FIELDS-JSON [METADATA-JSON]]: the body is FIELDS plus the requestMetadata KMS
# sends for $op from the principal $arn (METADATA merged in), with a new kmsRequestId.
send() {
  local fields=${2:-'{}'} metadata=${3:-'{}'}
  calls=$((calls + 1))
  reqid=$(printf '%08x-e2e0-4000-8000-%012d' $$ "$calls")
  jq -nc --argjson f "$fields" --argjson m "$metadata" --arg id "$reqid" --arg op "$op" \
    --arg arn "$arn" --arg key "$key_arn" '$f + {requestMetadata: ({kmsRequestId: $id,
      kmsOperation: $op, awsPrincipalArn: $arn, kmsKeyArn: $key, kmsViaService: "s3"} + $m)}' \
    >body.json
  if [ -n "${as_kms:-}" ]; then kms_call "$1" body.json; else curl_signed "$1" --data-binary @body.json; fi
  echo "$reqid $status $op $(jq -r '.errorName // "ok"' out.json 2>/dev/null) $1" >>calls.txt
}
expect() {  # STATUS ERROR-NAME WHAT
  [ "$status" = "$1" ] && [ "$(jq -r '.errorName // empty' out.json)" = "$2" ] ||
    fail "$3: expected $1 $2, got $status $(head -c 400 out.json)"
}
ok() { [ "$status" = 200 ] || fail "$1: expected 200, got $status $(head -c 400 out.json)"; }
is_b64() { [[ $1 =~ ^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$ ]]; }
size() { base64 -d <<<"$1" | wc -c; }
encrypt() {  # KEY PLAINTEXT-FILE [AAD-FILE] → enc.json
  local aad=""; [ $# -lt 3 ] || aad=$(b64 "$3")
  op=Encrypt send "/keys/$1/encrypt" "$(jq -nc --arg pt "$(b64 "$2")" --arg aad "$aad" \
    '{plaintext: $pt, encryptionAlgorithm: "AES_GCM", ciphertextDataIntegrityValueAlgorithm:
      "SHA_256"} + if $aad == "" then {} else {additionalAuthenticatedData: $aad} end')"
  [ "$status" != 200 ] || cp out.json enc.json
}
decrypt() {  # KEY [AAD-FILE [JQ-EDIT]]: the request built from enc.json, edited → out.json
  local aad=""; [ $# -lt 2 ] || aad=$(b64 "$2")
  op=Decrypt send "/keys/$1/decrypt" "$(jq -c --arg aad "$aad" \
    '{ciphertext, initializationVector, authenticationTag, ciphertextMetadata, encryptionAlgorithm:
      "AES_GCM"} + if $aad == "" then {} else {additionalAuthenticatedData: $aad} end' enc.json |
    jq -c "${3:-.}")" "${meta:-}"
}
flip() {  # BASE64 [MASK] → the same bytes with the last byte xor MASK (default 1)
  local hex; hex=$(base64 -d <<<"$1" | xxd -p | tr -d '\n')
  printf '%s%02x' "${hex:0:${#hex}-2}" $((0x${hex: -2} ^ ${2:-1})) | xxd -r -p | b64
}
tampered() { jq -c --arg v "$(flip "$(jq -r ".$1" enc.json)")" ".$1 = \$v" enc.json; }

# --- GetHealthStatus: any xks-proxy principal, no secondary authorization.
for creds in xks-s3.json xks-other.json; do
  op=KmsHealthCheck send /health
  ok "health by $creds"
done
creds=xks-s3.json
jq -e '.xksProxyFleetSize == 2 and .xksProxyVendor == "keybroker" and
  (.xksProxyModel | startswith("keybroker ")) and (.ekmVendor | length > 0) and
  (.ekmFleetDetails | length >= 1 and all(.[]; .healthStatus == "ACTIVE" and .id and .model))' \
  out.json >/dev/null || fail "health answer: $(cat out.json)"

# --- GetKeyMetadata, as KMS CreateKey asks it.
op=CreateKey send /keys/xks-key-1/metadata
ok metadata
jq -e '.keySpec == "AES_256" and .keyStatus == "ENABLED" and (.keyUsage | index("ENCRYPT") and
  index("DECRYPT"))' out.json >/dev/null || fail "metadata answer: $(cat out.json)"

# --- Encrypt → Decrypt round trips; the sizes, the metadata and the CDIV recomputed here.
head -c 8192 /dev/urandom >aad8192.bin
printf '%s' project=nile,department=marketing >aad.txt
for n in 0 4300 8192; do
  head -c "$n" /dev/urandom >pt.bin
  for aad in aad.txt aad8192.bin; do
    encrypt xks-key-1 pt.bin "$aad"
    ok "encrypt $n bytes"
    IFS=, read -r ct iv tag md dv < <(jq -r '[.ciphertext, .initializationVector,
      .authenticationTag, .ciphertextMetadata, .ciphertextDataIntegrityValue] | join(",")' enc.json)
    for v in "$ct" "$iv" "$tag" "$md" "$dv"; do is_b64 "$v" || fail "not padded base64: $v"; done
    [ "$(size "$ct")" = "$n" ] || fail "ciphertext of $n bytes has $(size "$ct")"
    [ "$(size "$iv")" = 12 ] && [ "$(size "$tag")" = 16 ] || fail "IV or tag size: $(cat enc.json)"
    [ "$(base64 -d <<<"$md" | xxd -p)" = 0100000001 ] || fail "ciphertextMetadata: $md"
    [ "$(cdiv "$(b64 "$aad")" "$md" "$iv" "$ct" "$tag")" = "$dv" ] ||
      fail "ciphertextDataIntegrityValue of $n bytes: $dv"
    decrypt xks-key-1 "$aad"
    ok "decrypt $n bytes"
    jq -r .plaintext out.json | base64 -d | cmp -s - pt.bin || fail "round trip of $n bytes"
  done
done
# Without AAD and without a CDIV request: no CDIV in the answer.
op=Encrypt send /keys/xks-key-1/encrypt "{\"plaintext\":\"$(b64 pt.bin)\",\"encryptionAlgorithm\":\"AES_GCM\"}"
ok "encrypt without AAD"
jq -e 'has("ciphertextDataIntegrityValue") | not' out.json >/dev/null || fail "CDIV not asked for"
cp out.json enc.json
decrypt xks-key-1
ok "decrypt without AAD"

# --- Tampering with the last ciphertext (taken with aad.txt): one bit of each field; the AAD
# changed or left out; the metadata left out, of another format, naming a version that does not
# exist, too short; the ciphertext cut short, a 3-byte IV, no tag.
encrypt xks-key-1 pt.bin aad.txt
for f in ciphertext initializationVector authenticationTag ciphertextMetadata; do
  decrypt xks-key-1 aad.txt ". + $(tampered "$f" | jq -c "{$f}")"
  expect 400 InvalidCiphertextException "one bit of $f flipped"
done
for edit in ".additionalAuthenticatedData = \"$(flip "$(b64 aad.txt)")\"" \
  'del(.additionalAuthenticatedData)' 'del(.ciphertextMetadata)' '.ciphertextMetadata = "AgAAAAE="' \
  ".ciphertextMetadata = \"$(flip AQAAAAE= 6)\"" '.ciphertextMetadata = "AQAAAA=="' \
  '.ciphertext |= .[4:]' '.initializationVector = "AAAA"' 'del(.authenticationTag)'; do
  decrypt xks-key-1 aad.txt "$edit"
  expect 400 InvalidCiphertextException "decrypt edited by $edit"
done

# --- Validation and sizes.
plain='{"plaintext": "AAAA", "encryptionAlgorithm": "AES_GCM"}'
for body in '{"encryptionAlgorithm": "AES_GCM"}' '{"plaintext": "AAAA"}' \
  '{"plaintext": "AAAA", "encryptionAlgorithm": "AES_CBC"}' \
  '{"plaintext": "A*A=", "encryptionAlgorithm": "AES_GCM"}' \
  '{"plaintext": "AAAA", "encryptionAlgorithm": "AES_GCM", "ciphertextDataIntegrityValueAlgorithm": "MD5"}'; do
  op=Encrypt send /keys/xks-key-1/encrypt "$body"
  expect 400 ValidationException "encrypt $body"
done
op=Encrypt send /keys/xks-key-1/encrypt "$plain" '{"awsPrincipalArn": null}'
expect 400 ValidationException "no awsPrincipalArn"
printf %s "$plain" >body.json
curl_signed /keys/xks-key-1/encrypt --data-binary @body.json
expect 400 ValidationException "no requestMetadata"
curl_signed /keys/xks-key-1/encrypt --data-binary '{"plaintext": '
expect 400 ValidationException "a body that is not JSON"
head -c 8193 /dev/urandom >big.bin
encrypt xks-key-1 big.bin
expect 501 UnsupportedOperationException "plaintext of 8193 bytes"
encrypt xks-key-1 pt.bin big.bin
expect 501 UnsupportedOperationException "AAD of 8193 bytes"
decrypt xks-key-1 aad.txt ".ciphertext = \"$(b64 big.bin)\""
expect 501 UnsupportedOperationException "ciphertext of 8193 bytes"
# An unknown requestMetadata field is ignored; an unlisted kmsOperation is not invalid, but the
# policy does not allow it.
op=Encrypt send /keys/xks-key-1/encrypt "$plain" '{"awsSourceIdentity": "someone"}'
ok "an unknown requestMetadata field"
op=SomeFutureOperation send /keys/xks-key-1/encrypt "$plain"
expect 403 AccessDeniedException "an unlisted kmsOperation"

# --- Paths and methods.
op=Encrypt send /keys/xks-key-1/sign "$plain"
expect 404 InvalidUriPathException "an unknown operation"
op=KmsHealthCheck send /healthz
expect 404 InvalidUriPathException "an unknown path"
for path in /health /keys/xks-key-1/metadata /keys/xks-key-1/encrypt /keys/xks-key-1/decrypt; do
  curl_signed "$path" -X GET
  [ "$status" = 405 ] || fail "GET $path: expected 405, got $status $(cat out.json)"
done

# --- Keys: unknown, release-purpose, disabled, rotated.
op=CreateKey send /keys/no-such-key/metadata
expect 404 KeyNotFoundException "metadata of an unknown key"
op=Encrypt send /keys/no-such-key/encrypt "$plain"
expect 404 KeyNotFoundException "encrypt with an unknown key"
op=Encrypt send /keys/example-key/encrypt "$plain"
expect 400 InvalidKeyUsageException "encrypt with a release key"
decrypt example-key aad.txt
expect 400 InvalidKeyUsageException "decrypt with a release key"
admin keys disable xks-key-1 >/dev/null
op=CreateKey send /keys/xks-key-1/metadata
ok "metadata of a disabled key"
jq -e '.keyStatus == "DISABLED"' out.json >/dev/null || fail "disabled key status: $(cat out.json)"
op=Encrypt send /keys/xks-key-1/encrypt "$plain"
expect 400 InvalidStateException "encrypt with a disabled key"
decrypt xks-key-1 aad.txt
expect 400 InvalidStateException "decrypt with a disabled key"
admin keys enable xks-key-1 >/dev/null
decrypt xks-key-1 aad.txt
ok "decrypt after enable"
cp enc.json enc-v1.json
admin keys rotate xks-key-1 >/dev/null
encrypt xks-key-1 pt.bin aad.txt
ok "encrypt after rotate"
[ "$(jq -r .ciphertextMetadata enc.json | base64 -d | xxd -p)" = 0100000002 ] ||
  fail "ciphertextMetadata after rotate: $(cat enc.json)"
cp enc-v1.json enc.json
decrypt xks-key-1 aad.txt
ok "decrypt of a version-1 ciphertext after rotate"

# --- Secondary authorization: the XKS policy.
decrypt xks-key-2 aad.txt
expect 403 AccessDeniedException "a key that no XKS policy names"
creds=xks-other.json op=CreateKey send /keys/xks-key-1/metadata
expect 403 AccessDeniedException "a keystore the policy does not name"
arn=arn:aws:iam::999999999999:role/app decrypt xks-key-1 aad.txt
expect 403 AccessDeniedException "an awsPrincipalArn no rule allows"
arn=arn:aws:iam::444455556666:role/ops decrypt xks-key-1 aad.txt
ok "an awsPrincipalArn allowed by prefix"
long_arn="arn:aws:iam::444455556666:role/$(printf 'r%.0s' $(seq 2017))"  # 2048 characters
arn=$long_arn decrypt xks-key-1 aad.txt
ok "an awsPrincipalArn of ${#long_arn} characters (the specification's maximum)"
arn=arn:aws:iam::444455556666:user/mallory decrypt xks-key-1 aad.txt
expect 403 AccessDeniedException "a deny rule"
arn=arn:aws:iam::111122223333:role/enclave
meta="{\"kmsRecipientAttestationPCR0\": \"$pcr0\"}" decrypt xks-key-1 aad.txt
ok "a Recipient with the allowed PCR0"
meta="{\"kmsRecipientAttestationPCR0\": \"$(printf 'b%.0s' $(seq 96))\"}" decrypt xks-key-1 aad.txt
expect 403 AccessDeniedException "a Recipient with another PCR0"
decrypt xks-key-1 aad.txt
expect 403 AccessDeniedException "no Recipient where the rule needs one"
arn=arn:aws:iam::111122223333:role/app
# xks-sealed: anyone allowed encrypts; only the Recipient rule's enclaves get plaintext back.
encrypt xks-sealed pt.bin aad.txt
ok "encrypt with xks-sealed"
decrypt xks-sealed aad.txt
expect 403 AccessDeniedException "xks-sealed without a Recipient"
# The Recipient fields are KMS's word: without mutual TLS, a holder of the key store's secret
# could claim any enclave. With it (below), the allowed Recipient gets the plaintext.
arn=arn:aws:iam::111122223333:role/enclave meta="{\"kmsRecipientAttestationPCR0\": \"$pcr0\"}" \
  decrypt xks-sealed aad.txt
expect 403 AccessDeniedException "xks-sealed for the allowed Recipient, without mutual TLS"

# --- Authentication: each SigV4 failure, a principal without the role, a rotated access key.
secret=$(jq -r .secret_access_key xks-s3.json)
jq --arg s "${secret:1}${secret:0:1}" '.secret_access_key = $s' xks-s3.json >wrong-secret.json
jq '.access_key_id = "AKIAZZZZZZZZZZZZZZZZ"' xks-s3.json >unknown-key.json
auth_fails() {  # SETTING (creds=, region= or svc=): a health call with it is refused
  local creds=$creds region=$region svc=$svc
  local "$1"
  op=KmsHealthCheck send /health
  expect 401 AuthenticationFailedException "$1"
}
for wrong in creds=wrong-secret.json creds=unknown-key.json creds=app.json region=eu-west-1 \
  svc=kms; do
  auth_fails "$wrong"
done
status=$(curl -sS -o out.json -w '%{http_code}' --cacert tls/cert.pem \
  -H 'Content-Type: application/json' --data '{}' "$base/health")
expect 401 AuthenticationFailedException "an unsigned request"
# The openssl signer agrees with curl's; then calls signed as KMS signs them.
curl -sS -v -o out.json --cacert tls/cert.pem --aws-sigv4 "aws:amz:$region:$svc" \
  --user "$(jq -r '.access_key_id + ":" + .secret_access_key' "$creds")" \
  -H 'Content-Type: application/json' --data-binary @body.json "$base/health" 2>curl.log
day=$(grep -o 'X-Amz-Date: [0-9TZ]*' curl.log | head -1 | cut -d' ' -f2)
[ "$(sigv4 "$(jq -r .access_key_id "$creds")" "$(jq -r .secret_access_key "$creds")" "$region" \
  /xks/kms/xks/v1/health body.json "$day" \
  "content-type:application/json"$'\n'"host:127.0.0.1:$port"$'\n'"x-amz-date:$day" \
  "content-type;host;x-amz-date")" = "$(grep -o 'Authorization: AWS4.*' curl.log | tr -d '\r' |
  cut -d' ' -f2-)" ] || fail "the openssl SigV4 signer disagrees with curl: $(cat curl.log)"
as_kms=1 op=KmsHealthCheck send /health
ok "health signed as KMS signs (host;x-amz-date)"
as_kms=1 op=Encrypt send /keys/xks-key-1/encrypt "$plain"
ok "encrypt signed as KMS signs"
printf '%s' "$plain" >other-body.json
kms_call /keys/xks-key-1/encrypt body.json "" other-body.json
expect 401 AuthenticationFailedException "a body other than the signed one"
signed_base=/kms/xks/v1 kms_call /keys/xks-key-1/encrypt body.json
expect 401 AuthenticationFailedException "a signature over the path without the prefix"
for skew in '-6 min' '+6 min'; do
  kms_call /health body.json "$(date -u -d "$skew" +%Y%m%dT%H%M%SZ)"
  expect 401 AuthenticationFailedException "x-amz-date $skew"
done
admin access-keys create xks-s3 --json >xks-s3-new.json  # rotation: a second key, then revoke
creds=xks-s3-new.json op=KmsHealthCheck send /health
ok "the new access key"
admin access-keys revoke "$(jq -r .access_key_id xks-s3.json)" >/dev/null
op=KmsHealthCheck send /health
expect 401 AuthenticationFailedException "a revoked access key"
creds=xks-s3-new.json
encrypt xks-key-1 pt.bin aad.txt
ok "encrypt with the rotated access key"
decrypt xks-key-1 aad.txt
ok "decrypt with the rotated access key"

# --- The dry run explains an allow and a deny.
evaluate() {  # PRINCIPAL-ARN → eval.json
  jq -nc --arg arn "$1" '{xks: {keystore: "xks-s3", key_id: "xks-key-1",
    requestMetadata: {kmsOperation: "Decrypt", kmsRequestId: "dry-run", awsPrincipalArn: $arn}}}' |
    curl -sS -o eval.json -w '%{http_code}' --cacert tls/cert.pem \
      -H "Authorization: Bearer $KEYBROKER_TOKEN" -H 'Content-Type: application/json' \
      --data-binary @- "https://127.0.0.1:$port/v1/admin/policies/s3-external:evaluate" \
      >status.txt
  [ "$(cat status.txt)" = 200 ] || fail "dry run for $1: $(cat status.txt) $(cat eval.json)"
}
evaluate "$arn"
jq -e '.allow == true and .policy == "s3-external" and .version == 1 and
  .matched_rule == "allow[0]" and (.reason | length > 0)' eval.json >/dev/null ||
  fail "dry run allow: $(cat eval.json)"
evaluate arn:aws:iam::444455556666:user/mallory
jq -e '.allow == false and .matched_rule == "deny[0]" and (.reason | contains("deny[0]"))' \
  eval.json >/dev/null || fail "dry run deny: $(cat eval.json)"

# --- The audit log: one row per signed-in call, with its kmsRequestId, action and decision.
for _ in $(seq 1 50); do  # the audit writer commits in groups: wait for the last call's row
  admin audit list --limit 1000 --json >audit.json || fail "audit list: $(cat audit.json)"
  jq -e --arg id "$reqid" 'any(.rows[]; .request_id == $id)' audit.json >/dev/null && break
  sleep 0.1
done
# Each call but those refused before a key store or an operation was known (401, a path that
# is no operation): exactly one row, of the operation, naming kmsOperation; allow or deny.
wrong_rows=$(jq -rn --slurpfile audit audit.json --rawfile calls calls.txt '
  ($audit[0].rows | group_by(.request_id) | map({key: .[0].request_id, value: .}) | from_entries)
    as $rows_of
  | $calls | split("\n")[] | select(. != "") | split(" ") as [$id, $st, $op, $result, $path]
  | select($st != "401" and $result != "InvalidUriPathException")
  | ($rows_of[$id] // []) as $rows | $rows[0] as $row
  | if ($rows | length) != 1 then "\($id) \($op) \($path): \($st) \($result): \($rows | length) rows"
    elif ($row.action | startswith("xks.")) and ($row.actor | startswith("xks:")) and
      ($row.reasons | contains("kmsOperation=" + $op)) and
      ($st != "200" or $row.decision == "allow") and ($st != "403" or $row.decision == "deny")
    then empty else "\($id) \($st) \($result): \($row)" end')
[ -z "$wrong_rows" ] || fail "calls without their one audit row:"$'\n'"$wrong_rows"
rows=$(jq '[.rows[] | select(.action | startswith("xks."))] | length' audit.json)
[ "$rows" -ge 45 ] || fail "only $rows XKS rows in the audit log"
jq -e --arg arn "$arn" 'any(.rows[]; .action == "xks.Encrypt" and .actor == "xks:xks-s3" and
  .key_id == "xks-key-1" and (.reasons | contains("awsPrincipalArn=" + $arn))) and
  any(.rows[]; .decision == "deny" and .policy == "s3-external" and
  (.reasons | contains("user/mallory") and contains("deny[0]")))' audit.json >/dev/null ||
  fail "no xks.Encrypt row with its principal ARN, or no deny row naming its rule"
stop
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl >verify.json ||
  fail "audit chain: $(cat verify.json)"
for f in serve.log keybroker.db keybroker.db-wal audit.jsonl; do
  [ -f "$f" ] || continue
  for needle in "$secret" "$(jq -r .secret_access_key xks-s3-new.json)" "$(b64 pt.bin)"; do
    if grep -qF -- "$needle" "$f"; then fail "a secret or a plaintext is in $f"; fi
  done
done
# --- Mutual TLS: with xks.client_ca, XKS calls need a client certificate from that CA with CN
# cks.kms.<region>.amazonaws.com (KMS's); one from another CA fails the handshake.
client_cert() {  # NAME CN CA: an EC P-256 key and a certificate for CN, signed by CA (or itself)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  local signer=(-CA "$3.pem" -CAkey "$3.key"); [ "$3" != "$1" ] || signer=(-key "$1.key")
  openssl x509 -req -in "$1.csr" "${signer[@]}" -days 1 -out "$1.pem" 2>/dev/null
}
client_cert kms-ca "KMS client CA" kms-ca
client_cert rogue-ca "another CA" rogue-ca
client_cert kms cks.kms.us-east-1.amazonaws.com kms-ca
client_cert other-cn cks.kms.eu-west-1.amazonaws.com kms-ca
client_cert rogue cks.kms.us-east-1.amazonaws.com rogue-ca
sed -i "s#^xks: {\(.*\)}#xks: {\1, client_ca: $dir/kms-ca.pem}#" config.yaml
grep -q "client_ca: $dir/kms-ca.pem" config.yaml || fail "config.yaml: $(cat config.yaml)"
start
base="https://127.0.0.1:$port/xks/kms/xks/v1"
tls_client=(--cert kms.pem --key kms.key)
op=KmsHealthCheck send /health
ok "health with KMS's client certificate"
for wrong in other-cn none; do
  tls_client=(); [ $wrong = none ] || tls_client=(--cert "$wrong.pem" --key "$wrong.key")
  op=KmsHealthCheck send /health
  expect 401 AuthenticationFailedException "mutual TLS with client certificate $wrong"
done
tls_client=(--cert rogue.pem --key rogue.key)
op=KmsHealthCheck send /health 2>/dev/null  # curl: "alert unknown ca"
[ "$status" = 000 ] || fail "a client certificate from another CA: $status $(cat out.json)"
tls_client=(--cert kms.pem --key kms.key)
encrypt xks-sealed pt.bin aad.txt
ok "encrypt with xks-sealed over mutual TLS"
arn=arn:aws:iam::111122223333:role/enclave meta="{\"kmsRecipientAttestationPCR0\": \"$pcr0\"}" \
  decrypt xks-sealed aad.txt
ok "xks-sealed for the allowed Recipient, over mutual TLS"
jq -r .plaintext out.json | base64 -d | cmp -s - pt.bin || fail "xks-sealed round trip"
stop
# KMS takes an access key id of 20-30 characters of A-Z2-7 and a secret of 43-64 characters of
# A-Za-z0-9+/= (CreateCustomKeyStore refuses others).
for f in xks-s3.json xks-s3-new.json; do
  jq -e '(.access_key_id | test("^[A-Z2-7]{20,30}$")) and
    (.secret_access_key | test("^[A-Za-z0-9+/=]{43,64}$"))' $f >/dev/null ||
    fail "an access key KMS would refuse: id $(jq -r .access_key_id $f), secret of $(jq -r '.secret_access_key | length' $f) characters"
done
echo "xks proxy API ok ($calls calls, $rows audited)"
