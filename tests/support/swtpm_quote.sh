#!/usr/bin/env bash
# Makes a real TPM 2.0 quote with a fresh swtpm, for the tests. Loopback/unix socket only; the
# swtpm is started here and killed on exit, and its state lives in a temp dir.
#
#   swtpm_quote.sh OUTDIR AK_ALG(ecc|rsa) PCRS(e.g. 4,7,12) EXTRA_DATA_HEX [SIG_SCHEME] [SELECTION]
#
# Extends each PCR n once with SHA256("measurement-for-pcr<n>-v1"), creates an AK under an RSA EK
# (ECC P-256/ECDSA or RSA-2048/RSASSA, or SIG_SCHEME=rsapss), quotes the sha256 bank with
# EXTRA_DATA as qualifying data, and writes into OUTDIR: quote.msg (TPMS_ATTEST), quote.sig
# (TPMT_SIGNATURE), ak.pem (SPKI), ak.pub (TPM2B_PUBLIC), pcr<n>.hex (the values quoted).
# SELECTION, when given, replaces the quoted selection "sha256:PCRS" as tpm2_quote -l takes it
# (the tests use it to make hostile selections, such as a bank listed twice).
set -euo pipefail
out=$1 ak_alg=$2 pcrs=$3 extra=$4 scheme=${5:-}
selection=${6:-sha256:$pcrs}
mkdir -p "$out"
. "$(dirname "$0")/swtpm_start.sh"

IFS=, read -ra list <<< "$pcrs"
for n in "${list[@]}"; do
  digest=$(printf 'measurement-for-pcr%s-v1' "$n" | openssl dgst -sha256 -binary | xxd -p -c 64)
  tpm2_pcrextend "$n:sha256=$digest"
done

tpm2_createek -c "$st/ek.ctx" -G rsa -u "$st/ek.pub" >/dev/null
flush
case "$ak_alg:$scheme" in
  ecc:*) akg=(-G ecc -s ecdsa) ;;
  rsa:rsapss) akg=(-G rsa -s rsapss) ;;
  rsa:*) akg=(-G rsa -s rsassa) ;;
esac
tpm2_createak -C "$st/ek.ctx" -c "$st/ak.ctx" "${akg[@]}" -g sha256 -u "$out/ak.pub" \
  -n "$st/ak.name" -r "$st/ak.priv" >/dev/null
flush
tpm2_readpublic -c "$st/ak.ctx" -f pem -o "$out/ak.pem" >/dev/null
flush
quote_scheme=()
if [ "$scheme" = rsapss ]; then quote_scheme=(--scheme rsapss); fi
tpm2_quote -c "$st/ak.ctx" -l "$selection" -q "$extra" -g sha256 "${quote_scheme[@]}" \
  -m "$out/quote.msg" -s "$out/quote.sig" >/dev/null
flush
for n in "${list[@]}"; do
  tpm2_pcrread "sha256:$n" -o "$st/pcr.bin" >/dev/null
  xxd -p -c 64 "$st/pcr.bin" > "$out/pcr$n.hex"
done
