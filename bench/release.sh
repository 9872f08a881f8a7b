#!/usr/bin/env bash
# The release table of issue 7: starts a broker with a temporary data directory (development
# CA trusted, the example policy, one generated key), runs bench/release_load against it, stops
# it, and repeats for each variant. One row per variant.
#   bench/release.sh BUILD_DIR [N] [C] [quick]
# quick: only the default variant (what `make test` runs, with a tiny N).
# KB_BENCH_PERF=FILE: also record a `perf record -g` profile of the server during the default
# variant's releases into FILE (see docs/performance.md).
set -euo pipefail
build=$(realpath "$1")
n=${2:-3000}
c=${3:-32}
quick=${4:-}
kb=$build/keybroker
load=$build/bench/release_load
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/bench/lib.sh"
pcr0=$(printf 'a%.0s' $(seq 1 96))

# variant: label, extra config lines, instances
run() {
  local label=$1 extra=$2 instances=$3
  rm -rf "$dir/data"; mkdir -p "$dir/data"
  (umask 077; openssl rand -out "$dir/data/kek.bin" 32)
  "$kb" dev-attest --platform nitro-enclave --ca-dir "$dir/ca" --out /dev/null >/dev/null
  "$kb" keys create --db "$dir/data/keybroker.db" --kek "$dir/data/kek.bin" --id example-key \
    >/dev/null
  printf '%s\n' "listen: {address: 127.0.0.1, port: 0}" "data_dir: $dir/data" \
    "trust_roots: [$dir/ca/root.pem]" "bootstrap_dir: $repo/docs/examples/bootstrap" \
    "nonce_ttl: 1h" "limits: {max_requests_per_connection: 1000000}" \
    "rate_limits: {per_address: {per_second: 0}, per_identity: {per_second: 0}, per_key: {per_second: 0}}" \
    > "$dir/config.yaml"
  if [ -n "$extra" ]; then echo "$extra" >> "$dir/config.yaml"; fi
  bench_start "$dir/config.yaml"
  local perf_pid=""
  if [ -n "${KB_BENCH_PERF:-}" ] && [ "$label" = default ]; then
    perf record -q -F 999 -g -o "$KB_BENCH_PERF" -p "$pid" 2>/dev/null &
    perf_pid=$!
  fi
  "$load" --port "$port" --ca "$dir/data/tls/cert.pem" --dev-ca "$dir/ca" --key-id example-key \
    --pcr "0=$pcr0" --n "$n" --c "$c" --instances "$instances" --server-pid "$pid" --label "$label"
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  bench_stop
}

printf '%-22s %6s %4s %9s %10s %8s %8s %8s %8s %11s %8s %10s %7s %11s\n' variant N C instances \
  releases/s p50_ms p95_ms p99_ms max_ms cpu/release peak_MiB p384_vfy/s ratio per_commit
echo "(cpu/release in P-384 verifications' worth; ratio = releases/s / single-core P-384 verify/s;"
echo " per_commit = release decisions per SQLite transaction, the group commit's batch size)"
run default "" 64
[ "$quick" = quick ] && exit 0
run every-release-new-leaf "" "$n"
run no-certificate-cache "certificate_cache_size: 0" 64
run durability-normal "durability: normal" 64
