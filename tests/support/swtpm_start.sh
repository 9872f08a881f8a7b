# Sourced by the swtpm test scripts: starts a fresh swtpm with a sha256 PCR bank on a unix
# socket in a temp dir ($st), points tpm2-tools at it, kills it and removes $st on exit, and
# defines flush (swtpm has no resource manager: flush transient objects after each command that
# loads one).
st=$(mktemp -d /tmp/kb-swtpm.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$st"
}
trap cleanup EXIT

swtpm_setup --tpm2 --tpmstate "$st" --pcr-banks sha256 --overwrite --logfile "$st/setup.log" >/dev/null
swtpm socket --tpm2 --tpmstate dir="$st" \
  --server type=unixio,path="$st/tpm.sock" --ctrl type=unixio,path="$st/tpm.sock.ctrl" \
  --flags not-need-init,startup-clear --log file="$st/swtpm.log",level=1 &
pid=$!
export TPM2TOOLS_TCTI="swtpm:path=$st/tpm.sock"
for _ in $(seq 1 100); do
  tpm2_getcap properties-fixed >/dev/null 2>&1 && break
  sleep 0.05
done
flush() { tpm2_flushcontext -t >/dev/null 2>&1 || true; tpm2_flushcontext -s >/dev/null 2>&1 || true; }
