#!/usr/bin/env bash
# The dependency rules of STYLE.md §1 and §6, checked on the sources:
#   common/ includes nothing of ours; crypto/ includes only common/; policy/, storage/ never
#   include broker/, api/ or cli/; broker/ never includes api/ or cli/; nothing but
#   common/clock.cc reads the wall clock. dev/ (development-only builders) is for cli/, tests and
#   bench: no production module includes it, and it never includes api/ or cli/.
#   storage/'s interface headers (*_store.h, audit_log.h, unit_of_work.h, release_ledger.h,
#   audited_change.h, ledger_writer.h) include nothing of SQLite, and no
#   code below api/ and cli/ compares an evidence type, a platform or a decision as a string
#   (parsed once at the edges into broker::EvidenceType, policy::Platform, broker::Verdict).
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
check() {  # dirs, forbidden include pattern
  local hits
  hits=$(grep -rnE "#include *\"($2)/" $1 2>/dev/null || true)
  if [ -n "$hits" ]; then echo "layer violation:"; echo "$hits"; fail=1; fi
}
check "common" "crypto|policy|storage|broker|api|cli"
check "crypto" "policy|storage|broker|api|cli"
check "policy storage" "broker|api|cli"
check "broker" "api|cli"
check "common crypto policy storage broker api" "dev"
check "dev" "api|cli"
clock=$(grep -rnE 'system_clock::now|steady_clock::now|time\(nullptr\)|time\(NULL\)' \
          common crypto dev broker policy storage api cli 2>/dev/null | grep -v '^common/clock.cc:' || true)
if [ -n "$clock" ]; then echo "wall clock read outside common/clock.cc:"; echo "$clock"; fail=1; fi
memcmp=$(grep -rnE '\bmemcmp\(' broker 2>/dev/null || true)
if [ -n "$memcmp" ]; then echo "memcmp in broker/ (use kb::CtEqual):"; echo "$memcmp"; fail=1; fi
sqlite=$(grep -lE '#include *(<sqlite3.h>|"storage/(database|sqlite_[a-z_]*|internal/[a-z_]*)\.h")' \
           $(ls storage/*_store.h | grep -v /sqlite_) storage/audit_log.h storage/unit_of_work.h storage/release_ledger.h \
           storage/audited_change.h storage/ledger_writer.h 2>/dev/null || true)
if [ -n "$sqlite" ]; then echo "SQLite in a storage interface header:"; echo "$sqlite"; fail=1; fi
words='"(auto|nitro-enclave|nitro-tpm|tpm2-quote|allow|deny)"'
strings=$(grep -rnE "(==|!=) *$words|$words *(==|!=)" common crypto policy storage broker 2>/dev/null || true)
if [ -n "$strings" ]; then
  echo "string comparison of an evidence type, platform or decision below api/ and cli/:"
  echo "$strings"; fail=1
fi
[ $fail -eq 0 ] && echo "layers ok"
exit $fail
