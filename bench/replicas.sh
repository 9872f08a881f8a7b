#!/usr/bin/env bash
# The replica rows of `make bench` (issue 21), all in one run on this box:
#   sqlite       one broker on SQLite (durability: full), as bench/release.sh measures it
#   pg-1         broker A alone on a PostgreSQL that this script starts (tests/support/postgres.sh)
#   pg-2         brokers A and B on that PostgreSQL, the load split: two release_load processes
#                with C/2 connections each, started together (--ready-file/--go-file)
# Each row: releases/s (pg-2: all releases over the slower loader's time), the worse p99, and
# server CPU per release in ms: the brokers plus every PostgreSQL process, from /proc/PID/stat.
# It prints every run's rows, then the medians with each row's ratio to sqlite of the same run.
#   bench/replicas.sh BUILD_DIR [N] [C] [RUNS]
# KB_BENCH_STRACE=FILE: count broker A's system calls (`strace -c -f`) during the first run's
# pg-1 row into FILE: libpq sends each statement with one sendto, so sendto per release is the
# round trips to PostgreSQL per release (docs/performance.md). It slows that row.
set -euo pipefail
build=$(realpath "$1")
n=${2:-3000}
c=${3:-32}
runs=${4:-3}
kb=$build/keybroker
load=$build/bench/release_load
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/bench/lib.sh"
chmod 0711 "$dir"  # the server (user postgres, as root) reaches $dir/pg
pg=$dir/pg
pcr0=$(printf 'a%.0s' $(seq 1 96))
trap 'bash "$repo/tests/support/postgres.sh" stop "$pg" >/dev/null 2>&1 || true; cleanup' EXIT

bash "$repo/tests/support/postgres.sh" start "$pg"
url=$(cat "$pg/url")
PGPASSWORD=$(cat "$pg/password")
export PGPASSWORD
"$kb" dev-attest --platform nitro-enclave --ca-dir "$dir/ca" --out /dev/null >/dev/null

# config FILE DATA_DIR [LINES...]: the settings every row shares, then LINES.
config() {
  local file=$1 data=$2
  shift 2
  printf '%s\n' "listen: {address: 127.0.0.1, port: 0}" "data_dir: $data" \
    "trust_roots: [$dir/ca/root.pem]" "bootstrap_dir: $repo/docs/examples/bootstrap" \
    "nonce_ttl: 1h" "limits: {max_requests_per_connection: 1000000}" \
    "rate_limits: {per_address: {per_second: 0}, per_identity: {per_second: 0}, per_key: {per_second: 0}}" \
    "$@" > "$file"
}

declare -A pids ports
mkdir -p "$dir/sqlite" "$dir/shared"
(umask 077; openssl rand -out "$dir/sqlite/kek.bin" 32; openssl rand -out "$dir/shared/kek.bin" 32)
"$kb" keys create --db "$dir/sqlite/keybroker.db" --kek "$dir/sqlite/kek.bin" --id example-key \
  >/dev/null
config "$dir/sqlite.yaml" "$dir/sqlite" "durability: full"
bench_start "$dir/sqlite.yaml" "$dir/sqlite.log"
pids[sqlite]=$pid ports[sqlite]=$port

token=$("$kb" admin bootstrap --db "$url" --kek "$dir/shared/kek.bin" \
  --roles admin,key-manager,policy-author,approver --json | python3 -c \
  "import json,sys; print(json.load(sys.stdin)['admins'][0]['token'])")
for name in a b; do
  config "$dir/$name.yaml" "$dir/shared" "kek_file: $dir/shared/kek.bin" "database: $url" \
    "database_password_file: $pg/password" "audit_sink: $dir/$name.jsonl" "durability: full"
  bench_start "$dir/$name.yaml" "$dir/$name.log"
  pids[$name]=$pid ports[$name]=$port
done
pid=""  # cleanup stops them through `started`
KEYBROKER_TOKEN=$token "$kb" admin --url "https://127.0.0.1:${ports[a]}" \
  --ca "$dir/shared/tls/cert.pem" keys create example-key >/dev/null
postmaster=$(head -1 "$pg/data/postmaster.pid")

# cpu PID...: user+system seconds of these processes, then of the postmaster and its children.
cpu() {
  python3 - "$postmaster" "$@" <<'EOF'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
brokers, pg = set(sys.argv[2:]), set()
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if f[1] == sys.argv[1] or p == sys.argv[1]:
            pg.add(p)
def seconds(pids):
    total = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / tick
print(seconds(brokers), seconds(pg))
EOF
}

# row LABEL BROKER...: N releases split over the brokers, all loaders starting together.
row() {
  local label=$1 share loaders=() i=0
  shift
  share=$((c / $#))
  rm -f "$dir"/ready.* "$dir/go"
  for b in "$@"; do
    local cert=$dir/shared/tls/cert.pem
    [ "$b" = sqlite ] && cert=$dir/sqlite/tls/cert.pem
    "$load" --port "${ports[$b]}" --ca "$cert" --dev-ca "$dir/ca" --key-id example-key \
      --pcr "0=$pcr0" --n "$((n / $#))" --c "$share" --instances 64 --server-pid "${pids[$b]}" \
      --label "$label-$b" --ready-file "$dir/ready.$b" --go-file "$dir/go" > "$dir/out.$b" &
    loaders+=($!)
  done
  for _ in $(seq 1 6000); do
    [ "$(ls "$dir"/ready.* 2>/dev/null | wc -l)" -eq $# ] && break
    sleep 0.05
  done
  local servers=()
  for b in "$@"; do servers+=("${pids[$b]}"); done
  [ "$label" = sqlite ] && postmaster=none  # SQLite: no PostgreSQL time
  local before after
  before=$(cpu "${servers[@]}")
  local strace_pid=""
  if [ -n "${KB_BENCH_STRACE:-}" ] && [ "$run" = 1 ] && [ "$label" = pg-1 ]; then
    strace -c -f -o "$KB_BENCH_STRACE" -p "${pids[a]}" 2>/dev/null &
    strace_pid=$!
    sleep 1
  fi
  touch "$dir/go"
  for l in "${loaders[@]}"; do wait "$l"; done
  if [ -n "$strace_pid" ]; then kill -INT "$strace_pid"; wait "$strace_pid" || true; fi
  after=$(cpu "${servers[@]}")
  postmaster=$(head -1 "$pg/data/postmaster.pid")
  for b in "$@"; do cat "$dir/out.$b"; done > "$dir/out"
  # One line per row: label, releases/s, worst p99 ms, CPU ms per release: all, brokers', PG's.
  python3 - "$label" "$dir/out" $before $after <<'EOF' | tee -a "$dir/rows"
import sys
label, path = sys.argv[1], sys.argv[2]
broker, pg = [float(a) - float(b) for a, b in zip(sys.argv[5:7], sys.argv[3:5])]
rows = [l.split() for l in open(path)]
n = sum(int(r[1]) for r in rows)
seconds = max(int(r[1]) / float(r[4]) for r in rows)
print(f"{label:<8} {n / seconds:9.0f} {max(float(r[7]) for r in rows):8.1f} "
      f"{(broker + pg) / n * 1e3:8.3f} {broker / n * 1e3:8.3f} {pg / n * 1e3:8.3f}")
EOF
}

echo "row        calls/s   p99_ms   cpu_ms   broker       pg  (server CPU ms per release:"
echo "                                          all = the brokers' + PostgreSQL's processes')"
for run in $(seq 1 "$runs"); do
  echo "run $run of $runs"
  row sqlite sqlite
  row pg-1 a
  row pg-2 a b
done

echo
echo "medians of $runs run(s); ratio = row / sqlite releases/s of the same run (median of the runs)"
python3 - "$dir/rows" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append(tuple(map(float, f[1:])))
base = rows["sqlite"]
print(f"{'row':<8} {'calls/s':>9} {'p99_ms':>8} {'cpu_ms':>8} {'broker':>8} {'pg':>8} {'ratio':>7}")
for name, runs in rows.items():
    med = [statistics.median(r[i] for r in runs) for i in range(5)]
    ratio = statistics.median(r[0] / b[0] for r, b in zip(runs, base))
    print(f"{name:<8} {med[0]:9.0f} {med[1]:8.1f} {med[2]:8.3f} {med[3]:8.3f} {med[4]:8.3f} "
          f"{ratio:7.3f}")
EOF
