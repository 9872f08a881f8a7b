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
  'allow:' '  - kms_operation: [CreateKey, Encrypt, Decrypt]' >misc-policy.yaml
for f in xks-policy.yaml misc-policy.yaml; do  # one approval is the quorum here
  admin policies put --file $f >put.txt || fail "policy put $f: $(cat put.txt)"
done

# --- The client. Every signed call: the credentials of $creds, region $region, service $svc.
base="https://127.0.0.1:$port/xks/kms/xks/v1"
creds=xks-s3.json region=us-east-1 svc=kms-xks-proxy op=Encrypt calls=0
key_arn=arn:aws:kms:us-east-1:111122223333:key/0b5d2ef5-xks
curl_signed() {  # path, curl args... → $status, the body in out.json
  local path=$1; shift
  status=$(curl -sS -o out.json -w '%{http_code}' --cacert tls/cert.pem \
    --aws-sigv4 "aws:amz:$region:$svc" \
    --user "$(jq -r .access_key_id "$creds"):$(jq -r .secret_access_key "$creds")" \
    -H 'Content-Type: application/json' "$@" "$base$path")
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
    "$region" "/xks/kms/xks/v1$1" "$2" "$day" "host:127.0.0.1:$port"$'\n'"x-amz-date:$day" \
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
  echo "$reqid $status $op $(jq -r '.errorName // "ok"' out.json 2>/dev/null)" >>calls.txt
}
expect() {  # STATUS ERROR-NAME WHAT
  [ "$status" = "$1" ] && [ "$(jq -r '.errorName // empty' out.json)" = "$2" ] ||
    fail "$3: expected $1 $2, got $status $(cat out.json)"
}
ok() { [ "$status" = 200 ] || fail "$1: expected 200, got $status $(cat out.json)"; }
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
  op=${op_decrypt:-Decrypt} send "/keys/$1/decrypt" "$(jq -c --arg aad "$aad" \
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

# --- Tampering: each field of the last ciphertext (taken with aad.txt).
encrypt xks-key-1 pt.bin aad.txt
for f in ciphertext initializationVector authenticationTag ciphertextMetadata; do
  decrypt xks-key-1 aad.txt ". + $(tampered "$f" | jq -c "{$f}")"
  expect 400 InvalidCiphertextException "tampered $f"
done
printf '%s' project=nile,department=marketinh >aad-other.txt
decrypt xks-key-1 aad-other.txt
expect 400 InvalidCiphertextException "tampered AAD"
decrypt xks-key-1
expect 400 InvalidCiphertextException "AAD left out"
# ciphertextMetadata: left out, another format byte, a version that does not exist, too short.
for md in 'del(.ciphertextMetadata)' '.ciphertextMetadata = "AgAAAAE="' \
  ".ciphertextMetadata = \"$(flip AQAAAAE= 6)\"" '.ciphertextMetadata = "AQAAAA=="'; do
  decrypt xks-key-1 aad.txt "$md"
  expect 400 InvalidCiphertextException "ciphertextMetadata: $md"
done
decrypt xks-key-1 aad.txt '.ciphertext |= .[4:]'
expect 400 InvalidCiphertextException "ciphertext cut short"
decrypt xks-key-1 aad.txt '.initializationVector = "AAAA"'
expect 400 InvalidCiphertextException "a 3-byte IV"
decrypt xks-key-1 aad.txt 'del(.authenticationTag)'
expect 400 InvalidCiphertextException "no authenticationTag"

# --- Validation and sizes.
plain="{\"plaintext\":\"AAAA\",\"encryptionAlgorithm\":\"AES_GCM\"}"
op=Encrypt send /keys/xks-key-1/encrypt '{"encryptionAlgorithm":"AES_GCM"}'
expect 400 ValidationException "no plaintext"
op=Encrypt send /keys/xks-key-1/encrypt '{"plaintext":"AAAA"}'
expect 400 ValidationException "no encryptionAlgorithm"
op=Encrypt send /keys/xks-key-1/encrypt '{"plaintext":"AAAA","encryptionAlgorithm":"AES_CBC"}'
expect 400 ValidationException "encryptionAlgorithm AES_CBC"
op=Encrypt send /keys/xks-key-1/encrypt '{"plaintext":"A*A=","encryptionAlgorithm":"AES_GCM"}'
expect 400 ValidationException "plaintext not base64"
op=Encrypt send /keys/xks-key-1/encrypt '{"plaintext":"AAAA","encryptionAlgorithm":"AES_GCM","ciphertextDataIntegrityValueAlgorithm":"MD5"}'
expect 400 ValidationException "CDIV algorithm MD5"
printf '{"plaintext": "AAAA", "encryptionAlgorithm": "AES_GCM"}' >body.json
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
arn=arn:aws:iam::111122223333:role/enclave meta="{\"kmsRecipientAttestationPCR0\": \"$pcr0\"}" \
  decrypt xks-sealed aad.txt
ok "xks-sealed for the allowed Recipient"
jq -r .plaintext out.json | base64 -d | cmp -s - pt.bin || fail "xks-sealed round trip"

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
creds=xks-s3-new.json decrypt xks-key-1 aad.txt
ok "decrypt with the rotated access key"

# --- The dry run explains an allow and a deny.
evaluate() {  # PRINCIPAL-ARN → eval.json
  jq -nc --arg arn "$1" '{xks: {keystore: "xks-s3", key_id: "xks-key-1", operation: "decrypt",
    requestMetadata: {kmsOperation: "Decrypt", kmsRequestId: "dry-run", awsPrincipalArn: $arn}}}' |
    curl -sS -f --cacert tls/cert.pem -H "Authorization: Bearer $KEYBROKER_TOKEN" \
      -H 'Content-Type: application/json' --data-binary @- \
      "https://127.0.0.1:$port/v1/admin/policies/s3-external:evaluate" >eval.json ||
    fail "dry run for $1: $(cat eval.json)"
}
evaluate "$arn"
jq -e '(.allow // (.decision == "allow")) == true and .policy == "s3-external" and .version == 1
  and (.reason | length > 0)' eval.json >/dev/null || fail "dry run allow: $(cat eval.json)"
evaluate arn:aws:iam::444455556666:user/mallory
jq -e '(.allow // (.decision == "allow")) == false and (.reason | length > 0)' eval.json \
  >/dev/null || fail "dry run deny: $(cat eval.json)"

# --- The audit log: one row per signed-in call, with its kmsRequestId, action and decision.
rows=0
for _ in $(seq 1 50); do  # the audit writer commits in groups: wait for the last call's row
  admin audit list --limit 1000 --json >audit.json || fail "audit list: $(cat audit.json)"
  jq -e --arg id "$reqid" 'any(.rows[]; .request_id == $id)' audit.json >/dev/null && break
  sleep 0.1
done
while read -r id st call_op result; do
  [ "$st" != 401 ] || continue
  row=$(jq -c --arg id "$id" '[.rows[] | select(.request_id == $id)]' audit.json)
  [ "$(jq length <<<"$row")" = 1 ] || fail "call $id ($call_op, $st $result): $row audit rows"
  decision=allow; [ "$st" != 403 ] || decision=deny
  jq -e --arg d "$decision" --arg op "$call_op" '.[0] | (.action | startswith("xks.")) and
    (.actor | startswith("xks:")) and (.reasons | contains("kmsOperation=" + $op))' \
    <<<"$row" >/dev/null || fail "audit row of $id ($st $result): $row"
  [ "$st" = 200 ] || [ "$st" = 403 ] || continue
  jq -e --arg d "$decision" '.[0].decision == $d' <<<"$row" >/dev/null ||
    fail "audit row of $id: decision not $decision: $row"
  rows=$((rows + 1))
done <calls.txt
[ "$rows" -gt 30 ] || fail "only $rows audited calls"
jq -e --arg arn "$arn" 'any(.rows[]; .action == "xks.Encrypt" and .actor == "xks:xks-s3" and
  .key_id == "xks-key-1" and (.reasons | contains("awsPrincipalArn=" + $arn)))' audit.json \
  >/dev/null || fail "no xks.Encrypt row with its principal ARN"
stop
"$kb" audit verify --db keybroker.db --kek kek.bin --against audit.jsonl >verify.json ||
  fail "audit chain: $(cat verify.json)"
for f in serve.log keybroker.db keybroker.db-wal audit.jsonl; do
  [ -f "$f" ] || continue
  for needle in "$secret" "$(jq -r .secret_access_key xks-s3-new.json)" "$(b64 pt.bin)"; do
    if grep -qF -- "$needle" "$f"; then fail "a secret or a plaintext is in $f"; fi
  done
done
# KMS takes an access key id of 20-30 characters of A-Z2-7 and a secret of 43-64 characters of
# A-Za-z0-9+/= (CreateCustomKeyStore refuses others).
for f in xks-s3.json xks-s3-new.json; do
  jq -e '(.access_key_id | test("^[A-Z2-7]{20,30}$")) and
    (.secret_access_key | test("^[A-Za-z0-9+/=]{43,64}$"))' $f >/dev/null ||
    fail "an access key KMS would refuse: id $(jq -r .access_key_id $f), secret of $(jq -r '.secret_access_key | length' $f) characters"
done
echo "xks proxy API ok ($calls calls, $rows audited)"
