#!/usr/bin/env bash
# The keystore rows of `make bench` (issue 20): two brokers on the same settings, one with the
# KEK-sealed SQLite keystore and one with the PKCS#11 keystore on a SoftHSM2 token. Each has the
# example release policy (docs/examples/bootstrap), and through the admin API a release key
# (example-key), a kms key (bench-kms) and a kms-user principal with an access key and a grant
# for Encrypt and Decrypt. Each run drives both brokers in turn, so the VM's drift hits both:
#   release  bench/release_load, N releases at C connections from 64 enclaves (the token:
#            the release key is unsealed by the token KEK per release and wrapped in software)
#   kms      bench/kms_load, N KMS Encrypt and Decrypt calls alternately (the token: AES-GCM
#            inside SoftHSM with the token-held key)
# It prints every run's rows, then the medians over the runs with each PKCS#11 row's ratio to
# the SQLite row of the same run (the median of the per-run ratios).
#   bench/pkcs11.sh BUILD_DIR [N_RELEASE] [N_KMS] [C] [RUNS]
# KB_BENCH_PERF=FILE: also record a `perf record -g` profile of the PKCS#11 broker during the
# first run's KMS calls into FILE (docs/performance.md).
set -euo pipefail
build=$(realpath "$1")
n_release=${2:-3000}
n_kms=${3:-20000}
c=${4:-32}
runs=${5:-3}
kb=$build/keybroker
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/bench/lib.sh"
source "$repo/tests/support/softhsm.sh"
pcr0=$(printf 'a%.0s' $(seq 1 96))
module=$(kb_softhsm_module)
kb_softhsm_init "$dir/softhsm" bench-token 1234  # exports SOFTHSM2_CONF for the broker
(umask 077; echo 1234 > "$dir/pin")
"$kb" dev-attest --platform nitro-enclave --ca-dir "$dir/ca" --out /dev/null >/dev/null

declare -A ports pids access_key secret
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
# setup KEYSTORE [CONFIG LINE]: its data directory, admin, broker, keys, principal and grant.
setup() {
  local name=$1 keystore=${2:-} data=$dir/$1
  mkdir -p "$data"
  if [ -z "$keystore" ]; then (umask 077; openssl rand -out "$data/kek.bin" 32); fi
  # No --kek: a plain audit chain that serve keys under whichever KEK the keystore has.
  local token
  token=$("$kb" admin bootstrap --db "$data/keybroker.db" \
    --roles admin,key-manager --json | python3 -c \
    "import json,sys; print(json.load(sys.stdin)['admins'][0]['token'])")
  printf '%s\n' "listen: {address: 127.0.0.1, port: 0}" "data_dir: $data" \
    "trust_roots: [$dir/ca/root.pem]" "bootstrap_dir: $repo/docs/examples/bootstrap" \
    "nonce_ttl: 1h" \
    "limits: {max_requests_per_connection: 1000000}" \
    "rate_limits: {per_address: {per_second: 0}, per_identity: {per_second: 0}, per_key: {per_second: 0}}" \
    > "$data/config.yaml"
  if [ -n "$keystore" ]; then echo "$keystore" >> "$data/config.yaml"; fi
  bench_start "$data/config.yaml" "$data/serve.log"
  pids[$name]=$pid
  ports[$name]=$port
  pid=""  # cleanup stops it through `started`
  admin() {
    KEYBROKER_TOKEN=$token "$kb" admin --url "https://127.0.0.1:${ports[$name]}" \
      --ca "$data/tls/cert.pem" "$@"
  }
  admin keys create example-key >/dev/null
  admin keys create bench-kms --purpose kms --attestation-required false >/dev/null
  admin principals create app --roles kms-user >/dev/null
  admin access-keys create app --json > "$data/access-key.json"
  admin grants create app --key-id bench-kms --operations Encrypt,Decrypt >/dev/null
  access_key[$name]=$(field "$data/access-key.json" access_key_id)
  secret[$name]=$(field "$data/access-key.json" secret_access_key)
}

setup sqlite
setup pkcs11 \
  "keystore: {type: pkcs11, module: $module, token_label: bench-token, pin_file: $dir/pin}"

release_header=$(printf '%-22s %6s %4s %9s %10s %8s %8s %8s %8s %11s %8s %10s %7s %11s' variant N \
  C instances releases/s p50_ms p95_ms p99_ms max_ms cpu/release peak_MiB p384_vfy/s ratio \
  per_commit)
kms_header=$(printf '%-22s %6s %4s %9s %8s %8s %8s %8s %11s %8s' variant N C calls/s p50_ms \
  p95_ms p99_ms max_ms cpu_us/call peak_MiB)
for run in $(seq 1 "$runs"); do
  echo "run $run of $runs"
  echo "$release_header"
  for ks in sqlite pkcs11; do
    "$build/bench/release_load" --port "${ports[$ks]}" --ca "$dir/$ks/tls/cert.pem" \
      --dev-ca "$dir/ca" --key-id example-key --pcr "0=$pcr0" --n "$n_release" --c "$c" \
      --instances 64 --server-pid "${pids[$ks]}" --label "release-$ks" | tee -a "$dir/release.rows"
  done
  echo "$kms_header"
  for ks in sqlite pkcs11; do
    perf_pid=""
    if [ -n "${KB_BENCH_PERF:-}" ] && [ "$run" = 1 ] && [ "$ks" = pkcs11 ]; then
      perf record -q -F 999 -g -o "$KB_BENCH_PERF" -p "${pids[$ks]}" 2>/dev/null &
      perf_pid=$!
    fi
    "$build/bench/kms_load" --port "${ports[$ks]}" --ca "$dir/$ks/tls/cert.pem" \
      --access-key-id "${access_key[$ks]}" --secret "${secret[$ks]}" --key-id bench-kms \
      --n "$n_kms" --c "$c" --server-pid "${pids[$ks]}" --label "kms-$ks" | tee -a "$dir/kms.rows"
    if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  done
done

echo
echo "medians of $runs run(s); ratio = pkcs11 / sqlite of the same run (median of the runs);"
echo "cpu per call in ms of server CPU; peak_MiB = the broker's VmHWM over all its runs"
python3 - "$dir/release.rows" "$dir/kms.rows" <<'EOF'
import statistics, sys

# Per row label, one (calls/s, p50 ms, p99 ms, server CPU ms per call, peak MiB) per run.
def read(path, rate, p50, p99, cpu_ms, rss):
    out = {}
    for line in open(path):
        f = line.split()
        out.setdefault(f[0], []).append(
            (float(f[rate]), float(f[p50]), float(f[p99]), cpu_ms(f), float(f[rss])))
    return out

# release_load gives CPU in P-384 verifications per release and the verifications per second.
release = read(sys.argv[1], 4, 5, 7, lambda f: float(f[9]) / float(f[11]) * 1e3, 10)
kms = read(sys.argv[2], 3, 4, 6, lambda f: float(f[8]) / 1e3, 9)
print(f"{'row':<22} {'calls/s':>9} {'p50_ms':>8} {'p99_ms':>8} {'cpu_ms':>8} {'peak_MiB':>9} "
      f"{'ratio':>7}")
for table in (release, kms):
    (_, base), (_, token) = table.items()  # sqlite first, then pkcs11
    for name, runs in table.items():
        med = [statistics.median(r[i] for r in runs) for i in range(4)]
        ratio = "" if runs is base else \
            f"{statistics.median(t[0] / b[0] for t, b in zip(token, base)):.3f}"
        print(f"{name:<22} {med[0]:9.0f} {med[1]:8.1f} {med[2]:8.1f} {med[3]:8.3f} "
              f"{max(r[4] for r in runs):9.1f} {ratio:>7}")
EOF
