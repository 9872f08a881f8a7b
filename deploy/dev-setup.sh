#!/usr/bin/env bash
# Prepares ./data for `make run`: a KEK (32 random bytes, mode 0600), the development CA that
# `keybroker dev-attest` signs with, and an example key. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
kb=build/keybroker
umask 077
mkdir -p data
if [ ! -f data/kek.bin ]; then
  openssl rand -out data/kek.bin 32
  echo "created data/kek.bin"
fi
if [ ! -f data/dev-ca/root.pem ]; then
  "$kb" dev-attest --platform nitro-enclave --ca-dir data/dev-ca --out data/dev-ca/sample.cbor >/dev/null
  echo "created the development CA in data/dev-ca"
fi
# Creating also migrates a database left by an older keybroker; an existing key is fine.
if out=$("$kb" keys create --db data/keybroker.db --kek data/kek.bin --id example-key \
    --actor make-run); then
  echo "created the key example-key"
elif ! grep -q '"conflict"' <<<"$out"; then
  echo "$out" >&2
  exit 1
fi
pcr0=$(printf 'a%.0s' $(seq 1 96))
cat <<MSG

keybroker is starting on https://127.0.0.1:8443. In another terminal, fetch the example key:

  build/keybroker release --url https://127.0.0.1:8443 --ca data/tls/cert.pem \\
      --key-id example-key --dev-attest data/dev-ca --pcr 0=$pcr0 --out /tmp/example-key.bin

MSG
