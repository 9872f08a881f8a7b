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
  // Decisions in one transaction, so one sync makes them all durable (group commit, see
  // LedgerWriter). For each, in order and atomically with the rest: consume its nonce (when not
  // empty) and append its record. If the nonce is no longer usable, the record is appended as a
  // denial naming the nonce failure, and that Entry's `nonce_status` carries the error. Returns
  // when durable; an error only for storage failures, which fail them all and commit none.
  struct Entry {
    uint64_t seq;  // the audit row: the decision id
    Status nonce_status;
  };
  struct Decision {
    Bytes nonce;  // empty: nothing to consume
    Time now;
    AuditRecord record;
  };
  virtual Result<std::vector<Entry>> CommitAll(std::vector<Decision> decisions) = 0;
  // Deletes nonces that expired before `before`. Returns how many.
  virtual Result<uint64_t> PurgeExpired(Time before) = 0;
};

}  // namespace kb::storage
