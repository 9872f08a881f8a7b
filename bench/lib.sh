# Shared by the bench scripts: a temporary directory, a broker started on a free port, cleanup.
# The caller sets `kb` (the binary).
dir=$(mktemp -d /tmp/kb-bench.XXXXXX)
pid=""
port=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

# bench_start CONFIG: serves it in the background; sets pid and port.
bench_start() {
  "$kb" serve --config "$1" 2>"$dir/serve.log" &
  pid=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(grep -o 'serving https://127.0.0.1:[0-9]*' "$dir/serve.log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  cat "$dir/serve.log"
  exit 1
}

bench_stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
