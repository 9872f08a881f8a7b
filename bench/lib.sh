# Shared by the bench scripts: a temporary directory, a broker started on a free port, cleanup.
# The caller sets `kb` (the binary).
dir=$(mktemp -d /tmp/kb-bench.XXXXXX)
pid=""
port=""
started=()  # every broker bench_start started, for cleanup (pkcs11.sh runs two at once)
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

# bench_start CONFIG [LOG]: serves it in the background, logging to LOG (default
# $dir/serve.log); sets pid and port.
bench_start() {
  local log=${2:-$dir/serve.log}
  "$kb" serve --config "$1" 2>"$log" &
  pid=$!
  started+=("$pid")
  port=""
  for _ in $(seq 1 200); do
    port=$(grep -o 'serving https://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  cat "$log"
  exit 1
}

bench_stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
