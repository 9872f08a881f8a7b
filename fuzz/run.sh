#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time each, from their seeds, and fails on any crash.
#   fuzz/run.sh FUZZ_BIN_DIR SECONDS [TARGET...]   (default: every target)
# Seeds come from fuzz/seeds/<target>.txt (paths relative to the repository, one per line);
# crashing inputs are kept in fuzz/artifacts/ to be added as regression vectors.
set -euo pipefail
bin_dir=$1
seconds=$2
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(nitro_verifier_fuzzer policy_parser_fuzzer tpm2_quote_fuzzer release_request_fuzzer
           admin_request_fuzzer kms_request_fuzzer rsa_spki_fuzzer xks_request_fuzzer)
fi
mkdir -p "$repo/fuzz/artifacts"
for target in "${targets[@]}"; do
  corpus=$(mktemp -d)
  while read -r seed; do
    [ -n "$seed" ] && cp "$repo/$seed" "$corpus/"
  done < "$repo/fuzz/seeds/$target.txt"
  log=$(mktemp)
  # -max_total_time bounds the run; -timeout and -rss_limit_mb turn a hang or a memory blow-up
  # into a failure instead of a stuck test.
  if ! "$bin_dir/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=300000 -artifact_prefix="$repo/fuzz/artifacts/$target-" -print_final_stats=1 \
      "$corpus" >"$log" 2>&1; then
    tail -50 "$log"
    echo "fuzz: $target FAILED"
    rm -rf "$corpus" "$log"
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  echo "fuzz: $target ok, $runs executions in ${seconds}s"
  rm -rf "$corpus" "$log"
done
