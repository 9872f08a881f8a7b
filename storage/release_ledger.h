#pragma once

// Challenge nonces and the durable record of each release decision. A nonce is issued by
// POST /v1/challenge, expires, and is consumed at most once: consuming it and appending the
// decision's audit row happen in one transaction, which has committed before the caller answers.

#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"

namespace kb::storage {

inline constexpr size_t kNonceSize = 32;

class ReleaseLedger {
 public:
  virtual ~ReleaseLedger() = default;
  // Stores a freshly drawn nonce valid until `expires_at`.
  virtual Status IssueNonce(ByteSpan nonce, Time expires_at) = 0;
  // kNonceUnknown (never issued, or already purged), kNonceExpired, kNonceReplayed, or OK
  // without consuming it: the fast early check.
  virtual Status CheckNonce(ByteSpan nonce, Time now) = 0;
  // Atomically: consume `nonce` (when not empty) and append `record`. If the nonce is no longer
  // usable, the record is appended as a denial naming the nonce failure, and `nonce_status`
  // carries that error. Returns when durable; an error only for storage failures.
  struct Entry {
    uint64_t seq;  // the audit row: the decision id
    Status nonce_status;
  };
  Result<Entry> Commit(ByteSpan nonce, Time now, AuditRecord record);
  // Several decisions in one transaction, so one sync makes them all durable (group commit, see
  // LedgerWriter): each is handled as Commit handles it, in order, and gets its own Entry. A
  // storage failure fails them all and commits none.
  struct Decision {
    Bytes nonce;  // empty: nothing to consume
    Time now;
    AuditRecord record;
  };
  virtual Result<std::vector<Entry>> CommitAll(std::vector<Decision> decisions) = 0;
  // Deletes nonces that expired before `before`. Returns how many.
  virtual Result<uint64_t> PurgeExpired(Time before) = 0;
};

inline Result<ReleaseLedger::Entry> ReleaseLedger::Commit(ByteSpan nonce, Time now,
                                                          AuditRecord record) {
  std::vector<Decision> one;
  one.push_back({Bytes(nonce.begin(), nonce.end()), now, std::move(record)});
  auto entries = CommitAll(std::move(one));
  if (!entries) return std::move(entries).error();
  return std::move(entries->front());
}

}  // namespace kb::storage
