#!/usr/bin/env bash
# Self-test of the PKCS#11 keystore test tools (tests/support/CMakeLists.txt):
#  kb_memscan finds a secret that a process holds (raw), finds nothing for another secret, and
#  refuses short secrets and missing processes; kb_p11_fault lists a SoftHSM token, fails with
#  CKR_DEVICE_ERROR while its flag file exists, and works again once the flag is gone.
# Usage: selftest_p11_tools.sh KB_MEMSCAN KB_P11_FAULT KB_P11_TOKENS
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 KB_MEMSCAN KB_P11_FAULT KB_P11_TOKENS (the build tree's tool paths)" >&2
  exit 2
fi
memscan=$(realpath "$1") fault=$(realpath "$2") tokens=$(realpath "$3")
source "$(dirname "$0")/softhsm.sh"
dir=$(mktemp -d /tmp/kb-p11tools.XXXXXX)
hold_pid=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$hold_pid" ] && kill -0 "$hold_pid" 2>/dev/null; then kill "$hold_pid"; fi
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# (a) kb_memscan. The holder reads a FIFO whose only writer is fd 3 here: closing 3 ends it.
held=$(secret) other=$(secret)
mkfifo "$dir/hold.in"
"$memscan" --hold "$held" <"$dir/hold.in" >"$dir/hold.out" &
hold_pid=$!
exec 3>"$dir/hold.in"
for _ in $(seq 1 100); do
  grep -q '^ready$' "$dir/hold.out" && break
  sleep 0.05
done
grep -q '^ready$' "$dir/hold.out" || fail "kb_memscan --hold did not print ready within 5 s"

status=0
"$memscan" "$hold_pid" "$held" >"$dir/found.json" 2>"$dir/found.err" || status=$?
[ "$status" -eq 1 ] || fail "scanning a process that holds the secret exited $status, not 1"
jq -e '[.hits[] | select(.secret == 0 and .form == "raw")] | length > 0' "$dir/found.json" \
  >/dev/null || fail "no raw hit for the held secret: $(cat "$dir/found.json")"
jq -e '.scanned_bytes > 0 and .regions > 0' "$dir/found.json" >/dev/null \
  || fail "the scan read nothing: $(cat "$dir/found.json")"

status=0
"$memscan" "$hold_pid" "$other" >"$dir/clean.json" 2>"$dir/clean.err" || status=$?
[ "$status" -eq 0 ] || fail "scanning for a secret nobody holds exited $status, not 0: $(cat "$dir/clean.json")"
jq -e '.hits == []' "$dir/clean.json" >/dev/null || fail "hits for a secret nobody holds"

status=0
"$memscan" "$hold_pid" 00112233445566778899aabbccddee 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "a 15-byte secret was not refused (exit $status, not 2)"
status=0
"$memscan" 999999999 "$other" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "scanning a missing process exited $status, not 2"

exec 3>&-
wait "$hold_pid" || fail "kb_memscan --hold did not exit cleanly at EOF"
hold_pid=""
echo "kb_memscan: ok ($(jq .scanned_bytes "$dir/found.json") bytes scanned)"

# (b) kb_p11_fault in front of SoftHSM.
kb_softhsm_init "$dir/hsm" kb-selftest 1234
softhsm=$(kb_softhsm_module)
export KB_P11_FAULT_TARGET=$softhsm KB_P11_FAULT_FLAG=$dir/fault.flag
list() { timeout 30 "$tokens" "$fault"; }
[ "$(list)" = kb-selftest ] || fail "the SoftHSM token is not listed through kb_p11_fault"
touch "$KB_P11_FAULT_FLAG"
status=0
list >"$dir/faulted.out" 2>"$dir/faulted.err" || status=$?
[ "$status" -eq 1 ] || fail "listing with the fault flag set exited $status, not 1"
grep -q 'CKR 0x30' "$dir/faulted.err" || fail "no CKR_DEVICE_ERROR under the fault: $(cat "$dir/faulted.err")"
rm "$KB_P11_FAULT_FLAG"
[ "$(list)" = kb-selftest ] || fail "the token did not come back after the fault flag was removed"
status=0
KB_P11_FAULT_TARGET=$dir/missing.so list 2>/dev/null || status=$?
[ "$status" -eq 1 ] || fail "a missing target module did not fail C_GetFunctionList (exit $status)"
echo "kb_p11_fault: ok"
