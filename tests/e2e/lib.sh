# Shared by the end-to-end scripts: a broker in a temporary directory with a KEK, the
# development CA, one generated key and the example policy; start/stop of `keybroker serve`.
# The caller sets `kb` (the binary) and `repo`, then calls e2e_setup [extra config lines].
dir=$(mktemp -d /tmp/kb-e2e.XXXXXX)
pid=""
port=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/serve.log" ] && tail -50 "$dir/serve.log"; exit 1; }

e2e_setup() {
  cd "$dir"
  (umask 077; openssl rand -out kek.bin 32)
  "$kb" dev-attest --platform nitro-enclave --ca-dir ca --out ca/sample.cbor >/dev/null
  "$kb" keys create --db keybroker.db --kek kek.bin --id example-key >/dev/null
  {
    echo "listen: {address: 127.0.0.1, port: 0}"
    echo "workers: 2"
    echo "data_dir: $dir"
    echo "kek_file: $dir/kek.bin"
    echo "trust_roots: [$dir/ca/root.pem]"
    echo "bootstrap_dir: $repo/docs/examples/bootstrap"
    echo "audit_sink: $dir/audit.jsonl"
    for line in "$@"; do echo "$line"; done
  } > config.yaml
}

start() {
  "$kb" serve --config config.yaml 2>>"$dir/serve.log" &
  pid=$!
  local before
  before=$(grep -c 'serving https' "$dir/serve.log" || true)
  for _ in $(seq 1 200); do
    if [ "$(grep -c 'serving https' "$dir/serve.log" || true)" -gt "$before" ]; then
      port=$(grep -o 'serving https://127.0.0.1:[0-9]*' "$dir/serve.log" | tail -1 | grep -o '[0-9]*$')
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "server exited"
    sleep 0.05
  done
  fail "server did not start"
}
stop() { kill -TERM "$pid"; wait "$pid" || fail "server did not stop cleanly"; pid=""; }

pcr0=$(printf 'a%.0s' $(seq 1 96))
release() {  # out-file [extra args]
  "$kb" release --url "https://127.0.0.1:$port" --ca tls/cert.pem --key-id example-key \
    --dev-attest ca "${@:2}" --out "$1"
}
export PYTHONDONTWRITEBYTECODE=1
