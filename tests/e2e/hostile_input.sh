#!/usr/bin/env bash
# The hostile-input suite (hostile_input.py) against a live `keybroker serve`, then an honest
# release through the CLI and a check that the server never crashed or logged a sanitizer report.
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/e2e/lib.sh"
e2e_setup "rate_limits: {per_address: {per_second: 0}}"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out instance.pem 2>/dev/null
openssl pkey -in instance.pem -pubout -out pub.pem
start
python3 "$repo/tests/e2e/hostile_input.py" "$port" tls/cert.pem "$kb" ca \
  "$repo/tests/vectors/nitro" "$dir" || fail "hostile input suite"
release key.bin --pcr "0=$pcr0" > r.json || fail "release after the hostile suite: $(cat r.json)"
kill -0 "$pid" || fail "the server died"
stop
if grep -qE "Sanitizer|runtime error" serve.log; then fail "sanitizer report"; fi
echo "hostile input: server healthy, honest release ok"
