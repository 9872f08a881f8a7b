#!/usr/bin/env bash
# Installs the Debian 12 packages keybroker needs, only those missing.
#   deploy/install-deps.sh          to build and run the broker (`make build`, `make run`) and to
#                                   follow the README (openssl, sqlite3, curl, jq)
#   deploy/install-deps.sh --test   also the test tools (`make test`, `make bench`)
# Idempotent: a second run installs nothing and does not touch the network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libssl-dev openssl libcbor-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libtss2-dev
  libp11-kit-dev                         # the standard PKCS#11 header (keystore type pkcs11)
  libpq-dev                              # PostgreSQL client (database: postgresql://...)
  curl jq
)
commands=()  # "command:package..." installed only when the command is missing
if [ "${1:-}" = "--test" ]; then
  packages+=(
    libgtest-dev libbenchmark-dev          # the unit tests; the benchmarks (KB_BENCH)
    clang-14 libclang-rt-14-dev            # the libFuzzer targets (make build-fuzz)
    clang-format-14 git                    # tests/lint/check_format.sh
    swtpm swtpm-tools tpm2-tools xxd       # TPM quotes from a real swtpm
    softhsm2                               # the PKCS#11 keystore's tests and bench rows
    postgresql                             # a throwaway cluster for the replica tests (issue 21)
    python3 python3-cryptography           # tests/e2e clients; AES-GCM in pkcs11_keystore.sh
    awscli                                 # tests/e2e/kms_awscli.sh
    systemd                                # systemd-analyze verify (tests/deploy/install.sh)
    haproxy python3-yaml                   # tests/deploy/ha.sh: haproxy -c, compose.yaml
  )
  # tests/e2e/kms_sdk.sh: any Node.js with npm (a NodeSource one is kept).
  commands+=("npm:nodejs npm")
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--test]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
for c in "${commands[@]}"; do
  if ! command -v "${c%%:*}" >/dev/null; then
    read -ra more <<<"${c#*:}"
    missing+=("${more[@]}")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
