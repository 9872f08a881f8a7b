#!/usr/bin/env bash
# deploy/ha/ (docs/ha.md), offline: the files agree with each other and the docs name only files
# that exist (ha_files.py); the container build context leaves deploy/ha/secrets/ out; the
# systemd drop-in passes `systemd-analyze verify` with deploy/keybroker.service; haproxy.cfg
# passes `haproxy -c`; the broker configurations pass `keybroker serve --check`; and HAProxy's
# TLS health check, run against a real broker, finds it up with the right CA and down with
# another, while a client reaches the broker through HAProxy and verifies the broker's own
# certificate (TLS ends at the broker).
#   tests/deploy/ha.sh KEYBROKER
set -euo pipefail
keybroker=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
ha=$repo/deploy/ha
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
for tool in haproxy systemd-analyze openssl curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing: make deps-test"
done
python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing: make deps-test"

dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir"

# --- Certificates: a CA, the broker's certificate for the name clients use, another CA.
pki() { openssl "$@" 2>>pki.log || fail "openssl $1: $(cat pki.log)"; }
(umask 077 && pki genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-key.pem)
pki req -x509 -key ca-key.pem -out ca.pem -subj /CN=test-ca -days 2
(umask 077 && pki genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other-key.pem)
pki req -x509 -key other-key.pem -out other-ca.pem -subj /CN=other-ca -days 2
install -d -m 0700 state log cred live
(umask 077 && pki genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out cred/tls-key.pem)
pki req -new -key cred/tls-key.pem -out broker.csr -subj /CN=keybroker.example.internal \
  -addext subjectAltName=DNS:keybroker.example.internal
pki x509 -req -in broker.csr -CA ca.pem -CAkey ca-key.pem -days 2 -copy_extensions copyall \
  -out broker-cert.pem
(umask 077 && head -c 32 /dev/urandom > cred/kek.bin && echo not-a-real-password > cred/db-password)

# One broker for the live health check below (SQLite will do: HAProxy sees only TLS and HTTP),
# started now so that its start overlaps the checks of the files.
cat > live.yaml <<EOF
listen: {address: 127.0.0.1, port: 0}
workers: 1
data_dir: $dir/live
kek_file: $dir/cred/kek.bin
tls: {certificate: $dir/broker-cert.pem, private_key: $dir/cred/tls-key.pem}
trust_roots: []
bootstrap_dir: ""
EOF
"$keybroker" serve --config live.yaml 2> serve.log &
pids+=($!)

# --- The files, and the build context.
python3 "$repo/tests/deploy/ha_files.py" "$repo" || fail "deploy/ha/ files disagree (above)"
mkdir -p context/deploy/ha/secrets
touch context/deploy/ha/secrets/kek.bin context/deploy/ha/secrets/broker-a-key.pem \
      context/deploy/ha/secrets/database-password
for ignore in .containerignore .dockerignore; do
  left=$(python3 "$repo/tests/deploy/build_context.py" "$repo/$ignore" context)
  [ -z "$left" ] || fail "$ignore lets deploy/ha/secrets/ into the build context: $left"
done

# --- systemd: the unit with the drop-in beside it, as systemd-analyze finds drop-ins. It exits
# 0 on unknown keys and bad values, so any output fails too.
mkdir -p units/keybroker.service.d
sed "s|^ExecStart=/usr/local/bin/keybroker |ExecStart=$keybroker |" "$repo/deploy/keybroker.service" \
  > units/keybroker.service
cp "$ha/keybroker.service.d/postgresql.conf" units/keybroker.service.d/
if ! out=$(systemd-analyze verify --man=no units/keybroker.service 2>&1) || [ -n "$out" ]; then
  fail "systemd-analyze verify of keybroker.service with the drop-in: $out"
fi

# --- haproxy -c: valid, and no warning but the brokers' names, which do not resolve here.
sed "s#/etc/haproxy/keybroker-ca.pem#$dir/ca.pem#" "$ha/haproxy.cfg" > haproxy-check.cfg
out=$(haproxy -c -f haproxy-check.cfg 2>&1) || fail "haproxy -c: $out"
warnings=$(grep -E '^\[(WARNING|ALERT)\]' <<<"$out" | grep -v "could not resolve address" || true)
[ -z "$warnings" ] || fail "haproxy -c warns: $warnings"

# --- serve --check on each replica's configuration, its paths moved here. Until the
# configuration parser of this tree knows the PostgreSQL keys (database_password_file), they
# are left out and the rest is checked.
drop_db=()
grep -q '"database_password_file"' "$repo"/cli/*.cc || drop_db=(-e '/^database/d')
for replica in broker-a broker-b; do
  sed -e "s#/run/credentials/keybroker.service/keybroker-database-password#$dir/cred/db-password#" \
      -e "s#/run/credentials/keybroker.service/#$dir/cred/#" \
      -e "s#/etc/keybroker/tls/cert.pem#$dir/broker-cert.pem#" \
      -e "s#/etc/keybroker/db-ca.pem#$dir/ca.pem#" \
      -e "s#/var/lib/keybroker#$dir/state#" -e "s#/var/log/keybroker#$dir/log#" \
      "${drop_db[@]}" "$ha/$replica.yaml" > "$replica.yaml"
  out=$("$keybroker" serve --check --config "$replica.yaml" 2>&1) ||
    fail "serve --check of deploy/ha/$replica.yaml: $out"
  ! grep -q "not-a-real-password" <<<"$out" || fail "serve --check of $replica printed the password"
done

# --- The health check, live (the broker was started above).
port=
for _ in $(seq 1 400); do
  port=$(grep -o 'serving https://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "the broker exited: $(cat serve.log)"
  sleep 0.05
done
[ -n "$port" ] || fail "the broker did not start: $(cat serve.log)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# haproxy.cfg as it is, but for what this test cannot do: chroot and change user, bind :443,
# resolve the brokers' names. Checks every 200 ms instead of 2 s; a stats socket to read them.
run_haproxy() {  # NAME CA_FILE -> its stats socket at NAME.sock, its port in NAME.port
  local lb_port
  lb_port=$(free_port)
  echo "$lb_port" > "$1.port"
  sed -e '/^ *chroot /d' -e '/^ *user /d' -e '/^ *group /d' \
      -e "s#^global\$#global\n    stats socket $dir/$1.sock level admin#" \
      -e "s#bind :443#bind 127.0.0.1:$lb_port#" -e "s#/etc/haproxy/keybroker-ca.pem#$2#" \
      -e "s#broker-[ab].example.internal:8443#127.0.0.1:$port#" -e 's#inter 2s#inter 200ms#' \
      "$ha/haproxy.cfg" > "$1.cfg"
  haproxy -db -f "$1.cfg" > "$1.log" 2>&1 &
  pids+=($!)
}
# Waits until both servers' last check says $2 (L7OK, or a layer-6 failure L6*).
wait_check() {  # NAME PATTERN
  local state=""
  for _ in $(seq 1 100); do
    state=$(python3 - "$dir/$1.sock" <<'EOF' 2>/dev/null || true
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
rows = [line.split(",") for line in data.decode().splitlines()]
names = rows[0]
names[0] = names[0].lstrip("# ")
for row in rows[1:]:
    r = dict(zip(names, row))
    if r.get("pxname") == "brokers" and r.get("svname", "").startswith("broker-"):
        print(r["svname"], r["status"], r["check_status"])
EOF
)
    if [ "$(grep -cE " $2\$" <<<"$state")" = 2 ]; then return 0; fi
    sleep 0.1
  done
  fail "$1: the brokers' checks did not come to $2 in 10 s: $state; $(cat "$1.log")"
}

run_haproxy good "$dir/ca.pem"
run_haproxy wrong_ca "$dir/other-ca.pem"
wait_check good L7OK
lb_port=$(cat good.port)
body=$(curl -sf --max-time 5 --cacert ca.pem \
  --resolve "keybroker.example.internal:$lb_port:127.0.0.1" \
  "https://keybroker.example.internal:$lb_port/healthz") ||
  fail "no /healthz through HAProxy with the broker's certificate verified: $(cat good.log)"
grep -q '"status":"ok"' <<<"$body" || fail "/healthz through HAProxy answered $body"

wait_check wrong_ca 'L6[A-Z]*'
grep -q "broker-a is DOWN" wrong_ca.log || fail "HAProxy did not log broker-a DOWN: $(cat wrong_ca.log)"
echo "ha ok"
