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
st=$(mktemp -d /tmp/kb-swtpm.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$st"
}
trap cleanup EXIT

swtpm_setup --tpm2 --tpmstate "$st" --pcr-banks sha256 --overwrite --logfile "$st/setup.log" >/dev/null
swtpm socket --tpm2 --tpmstate dir="$st" \
  --server type=unixio,path="$st/tpm.sock" --ctrl type=unixio,path="$st/tpm.sock.ctrl" \
  --flags not-need-init,startup-clear --log file="$st/swtpm.log",level=1 &
pid=$!
export TPM2TOOLS_TCTI="swtpm:path=$st/tpm.sock"
for _ in $(seq 1 100); do
  tpm2_getcap properties-fixed >/dev/null 2>&1 && break
  sleep 0.05
done
# swtpm has no resource manager: flush transient objects after each command that loads one.
flush() { tpm2_flushcontext -t >/dev/null 2>&1 || true; tpm2_flushcontext -s >/dev/null 2>&1 || true; }

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
