#!/usr/bin/env bash
# The forgery a non-restricted AK allows, with a fresh swtpm (unix socket in a temp dir, killed on
# exit): creates an ordinary ECC P-256 signing key (sign|fixedtpm|fixedparent|
# sensitivedataorigin|userwithauth, NOT restricted) under an owner primary, and has the TPM sign
# SHA-256 of MSG_FILE (a hand-made TPMS_ATTEST) with TPM2_Sign, which a restricted key refuses
# for data that starts with TPM_GENERATED_VALUE.
#
#   swtpm_sign.sh OUTDIR MSG_FILE
#
# Writes into OUTDIR: key.pub (TPM2B_PUBLIC), key.pem (SPKI), sig.bin (TPMT_SIGNATURE, ECDSA).
set -euo pipefail
out=$1 msg=$2
mkdir -p "$out"
. "$(dirname "$0")/swtpm_start.sh"

tpm2_createprimary -C o -g sha256 -G ecc -c "$st/primary.ctx" >/dev/null
flush
tpm2_create -C "$st/primary.ctx" -G ecc256:ecdsa-sha256 \
  -a "sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth" \
  -u "$out/key.pub" -r "$st/key.priv" >/dev/null
flush
tpm2_load -C "$st/primary.ctx" -u "$out/key.pub" -r "$st/key.priv" -c "$st/key.ctx" >/dev/null
flush
tpm2_readpublic -c "$st/key.ctx" -f pem -o "$out/key.pem" >/dev/null
flush
openssl dgst -sha256 -binary "$msg" > "$st/digest.bin"
tpm2_sign -c "$st/key.ctx" -g sha256 -s ecdsa -d -o "$out/sig.bin" "$st/digest.bin" >/dev/null
flush
