#!/usr/bin/env bash
# Runs every command block of README.md, or of the Markdown file given (tests/docs/readme_blocks.py
# extracts them; a block that cannot run in CI is marked `<!-- not run: REASON -->` there, and any
# other block runs), in order, each in a fresh `bash -euo pipefail` (or in the shell of the block
# before, when marked `<!-- same shell: ... -->`), from a directory laid out like the repository
# after `make run`: build/keybroker is the binary under test, deploy/dev-setup.sh prepared ./data,
# and `build/keybroker serve --config config.example.yaml` is running, as `make run` leaves it.
# The blocks run as written except for what must differ for a test that may run beside other
# brokers and other runs: the ports 8443 (make run; its config says port 0 here) and 9443 (the
# admin walkthrough) become free ports, and /tmp/ becomes a directory of this run. A block fails
# the test when it exits non-zero, or when its `<!-- expect: TEXT -->` texts are not in its
# output.
#   readme_commands.sh path/to/keybroker [FILE.md]
set -euo pipefail
kb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
readme=${2:-$repo/README.md}
work=$(mktemp -d /tmp/kb-readme.XXXXXX)
broker=""
block=""
stop() {  # pid or process group (negative)
  kill -TERM -- "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 -- "$1" 2>/dev/null || return 0; sleep 0.05; done
  kill -KILL -- "$1" 2>/dev/null || true
}
cleanup() {
  [ -n "$block" ] && stop "-$block"
  [ -n "$broker" ] && stop "$broker"
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

python3 "$repo/tests/docs/readme_blocks.py" "$readme" "$work/blocks"
cd "$work"
mkdir -p build deploy tmp
ln -s "$kb" build/keybroker
ln -s "$repo/docs" docs
ln -s "$repo/tests" tests
cp "$repo/deploy/dev-setup.sh" deploy/
walk_port=$(free_port)
sed "s/^  port: 8443$/  port: 0/" "$repo/config.example.yaml" > config.example.yaml
grep -q "^  port: 0$" config.example.yaml || fail "config.example.yaml no longer listens on 8443"

# What `make run` does after building.
bash deploy/dev-setup.sh > dev-setup.log
build/keybroker serve --config config.example.yaml 2> serve.log &
broker=$!
port=""
for _ in $(seq 1 400); do
  port=$(grep -o 'serving https://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  kill -0 "$broker" 2>/dev/null || fail "the broker did not start: $(cat serve.log)"
  sleep 0.05
done
[ -n "$port" ] || fail "the broker did not start within 20 s: $(cat serve.log)"

# A user's shell: no keybroker or AWS settings of the machine's; Debian's tools first.
unset KEYBROKER_TOKEN KEYBROKER_URL KEYBROKER_CA AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export PATH="/usr/bin:/bin:$PATH" HOME="${HOME:-$work}" AWS_CONFIG_FILE=$work/aws-config
export AWS_SHARED_CREDENTIALS_FILE=$work/aws-config AWS_EC2_METADATA_DISABLED=true
export npm_config_prefer_offline=true npm_config_update_notifier=false
: > aws-config
for script in blocks/*.sh; do
  sed -i -e "s#127\.0\.0\.1:8443#127.0.0.1:$port#g" -e "s#port: 9443#port: $walk_port#g" \
    -e "s#127\.0\.0\.1:9443#127.0.0.1:$walk_port#g" -e "s#/tmp/#$work/tmp/#g" "$script"
  name=${script%.sh}
  setsid timeout 600 bash -euo pipefail "$script" > "$name.log" 2>&1 < /dev/null &
  block=$!
  status=0
  wait "$block" || status=$?
  stop "-$block"  # servers a block started in the background end with it
  block=""
  if [ "$status" -ne 0 ]; then
    echo "--- $(head -1 "$script" | cut -c3-) failed (exit $status):"
    cat "$script"; echo "--- its output:"; cat "$name.log"
    fail "a block of $(basename "$readme") failed"
  fi
  while IFS= read -r expected; do
    grep -qF -- "$expected" "$name.log" ||
      fail "$(head -1 "$script" | cut -c3-) did not print '$expected':
$(cat "$name.log")"
  done < "$name.expect"
  echo "ok: $(head -1 "$script" | cut -c3-)"
done
kill -0 "$broker" 2>/dev/null || fail "the make run broker died: $(tail -20 serve.log)"
echo "the commands of $(basename "$readme") ok"
