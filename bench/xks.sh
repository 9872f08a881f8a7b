#!/usr/bin/env bash
# The XKS row of `make bench` (issue 19): a broker with the XKS proxy API on, durability full and
# an audit sink (every call's audit row synced to the database and the sink before its answer),
# one kms key, one key store principal with its access key and an XKS policy; then
# bench/xks_load: Encrypt and Decrypt alternately at C connections.
#   bench/xks.sh BUILD_DIR [N] [C]
set -euo pipefail
build=$(realpath "$1")
n=${2:-20000}
c=${3:-32}
kb=$build/keybroker
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/bench/lib.sh"

mkdir -p "$dir/data"
(umask 077; openssl rand -out "$dir/data/kek.bin" 32)
"$kb" keys create --db "$dir/data/keybroker.db" --kek "$dir/data/kek.bin" --id bench-key \
  --purpose kms --attestation-required false >/dev/null
token=$("$kb" admin bootstrap --db "$dir/data/keybroker.db" --kek "$dir/data/kek.bin" \
  --roles admin,policy-author,approver --json | python3 -c \
  "import json,sys; print(json.load(sys.stdin)['admins'][0]['token'])")
printf '%s\n' "listen: {address: 127.0.0.1, port: 0}" "data_dir: $dir/data" \
  "durability: full" "audit_sink: $dir/audit.jsonl" \
  "limits: {max_requests_per_connection: 1000000}" \
  "xks: {enabled: true, uri_prefix: /bench, region: us-east-1}" > "$dir/config.yaml"
bench_start "$dir/config.yaml"
admin() {
  KEYBROKER_TOKEN=$token "$kb" admin --url "https://127.0.0.1:$port" \
    --ca "$dir/data/tls/cert.pem" "$@"
}
admin principals create bench-store --roles xks-proxy >/dev/null
admin access-keys create bench-store --json > "$dir/access-key.json"
printf '%s\n' "name: bench" "kind: xks" "keystores: [bench-store]" "keys: [bench-key]" \
  "allow:" "  - kms_operation: [Encrypt, Decrypt]" \
  "    aws_principal_arn: ['arn:aws:iam::111122223333:*']" > "$dir/policy.yaml"
admin policies put --file "$dir/policy.yaml" >/dev/null
field() { python3 -c "import json,sys; print(json.load(open('$dir/access-key.json'))['$1'])"; }

printf '%-22s %6s %4s %9s %8s %8s %8s %8s %9s %8s %10s %7s %11s\n' variant N C calls/s \
  p50_ms p95_ms p99_ms max_ms cpu_us/call peak_MiB bare/s ratio per_commit
echo "(bare/s = single-core AES-256-GCM of 32 bytes + one HMAC-SHA-256; ratio = calls/s / bare/s;"
echo " per_commit = audit rows per SQLite transaction, the group commit's batch size)"
"$build/bench/xks_load" --port "$port" --ca "$dir/data/tls/cert.pem" \
  --access-key-id "$(field access_key_id)" --secret "$(field secret_access_key)" \
  --base /bench/kms/xks/v1 --key-id bench-key --n "$n" --c "$c" --server-pid "$pid" \
  --label xks-encrypt-decrypt
bench_stop
