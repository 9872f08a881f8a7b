#pragma once

// Challenge nonces and the durable record of each release decision. A nonce is issued by
// POST /v1/challenge, expires, and is consumed at most once: consuming it and appending the
// decision's audit row happen in one transaction, which has committed before the caller answers.

#include <functional>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"

namespace kb::storage {

inline constexpr size_t kNonceSize = 32;

// One decision to make durable.
struct LedgerEntry {
  Bytes nonce;  // to consume; empty: nothing to consume
  Time now;     // a nonce expired before this is not consumed
  // The row to append, given the nonce's fate: OK when consumed (or none), else why not
  // (kNonceUnknown, kNonceExpired, kNonceReplayed).
  std::function<AuditRecord(const Status& nonce)> audit_row;
};

struct LedgerReceipt {
  uint64_t seq = 0;  // the audit row's: the decision id
  Status nonce;      // as given to the entry's audit_row
};

class ReleaseLedger {
 public:
  virtual ~ReleaseLedger() = default;
  // Stores a freshly drawn nonce valid until `expires_at`.
  virtual Status IssueNonce(ByteSpan nonce, Time expires_at) = 0;
  // kNonceUnknown (never issued, or already purged), kNonceExpired, kNonceReplayed, or OK
  // without consuming it: the fast early check.
  virtual Status CheckNonce(ByteSpan nonce, Time now) = 0;
  // Entries in one transaction, so one sync makes them all durable (group commit, see
  // LedgerWriter). For each, in order and atomically with the rest: consume its nonce (when not
  // empty), then append the audit row that the entry builds from how that went. Returns when
  // durable, one receipt per entry; an error only for storage failures, which fail them all and
  // commit none. The ledger decides nothing: what a refused nonce means is the entry's to say.
  virtual Result<std::vector<LedgerReceipt>> CommitAll(std::vector<LedgerEntry> entries) = 0;
  // Deletes nonces that expired before `before`. Returns how many.
  virtual Result<uint64_t> PurgeExpired(Time before) = 0;
};

}  // namespace kb::storage
