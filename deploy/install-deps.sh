#!/usr/bin/env bash
# Installs the Debian 12 packages keybroker needs to build and test, only those missing.
# Idempotent: a second run installs nothing and does not touch the network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libssl-dev openssl libcbor-dev libsqlite3-dev sqlite3 libyaml-cpp-dev
  libgtest-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev clang-format-14 git
  libtss2-dev swtpm swtpm-tools tpm2-tools xxd curl jq
  awscli  # the KMS interoperability test (tests/e2e/kms_awscli.sh)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
