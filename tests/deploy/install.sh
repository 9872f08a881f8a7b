#!/usr/bin/env bash
# `cmake --install` into a temporary DESTDIR puts the binary, the systemd unit and the example
# configuration where the unit expects them; the installed unit passes `systemd-analyze verify`
# with nothing to say; and the credentials the unit loads are the files the production
# configuration names.
#   tests/deploy/install.sh BUILD_DIR PREFIX
set -euo pipefail
build=$1
prefix=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing: make deps-test"

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" cmake --install "$build" >"$dest.log" 2>&1 || {
  cat "$dest.log" >&2
  fail "cmake --install failed"
}
rm -f "$dest.log"
unit="$dest$prefix/lib/systemd/system/keybroker.service"
config="$dest$prefix/share/doc/keybroker/config.production.yaml"
[ -f "$unit" ] || fail "no unit at $prefix/lib/systemd/system/keybroker.service"
[ -f "$config" ] || fail "no example configuration at $prefix/share/doc/keybroker/"
[ -f "$dest$prefix/share/doc/keybroker/README.md" ] ||
  fail "no README at $prefix/share/doc/keybroker/"

# ExecStart names the installed binary.
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$unit")
[ "$exec_start" = "$prefix/bin/keybroker" ] ||
  fail "ExecStart runs $exec_start, not $prefix/bin/keybroker"
[ -x "$dest$exec_start" ] || fail "nothing executable installed at $exec_start"
doc=$(sed -n 's|^Documentation=file://||p' "$unit")
[ -f "$dest$doc" ] || fail "Documentation= names $doc, which is not installed"

# systemd-analyze verify needs ExecStart's binary where the unit says: a copy of the unit runs
# the one in DESTDIR. It exits 0 on unknown keys and bad values, so any output fails too.
mkdir -p "$dest/verify"
copy="$dest/verify/keybroker.service"
sed "s|^ExecStart=$exec_start |ExecStart=$dest$exec_start |" "$unit" >"$copy"
if ! out=$(systemd-analyze verify --man=no "$copy" 2>&1) || [ -n "$out" ]; then
  fail "systemd-analyze verify: $out"
fi

# Each credential file the configuration reads is one the unit loads.
for key in kek_file private_key; do
  path=$(sed -n "s/^ *$key: *\([^ ]*\).*/\1/p" "$config")
  case "$path" in
  /run/credentials/keybroker.service/*) ;;
  *) fail "config.production.yaml: $key is $path, not a credential of keybroker.service" ;;
  esac
  grep -q "^LoadCredential=${path##*/}:" "$unit" || fail "the unit loads no credential ${path##*/} for $key"
done
echo "install ok"
