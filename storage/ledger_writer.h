#pragma once

// The one way release decisions reach the ledger, with group commit hidden inside (after
// LevelDB's DBImpl::Write): a caller makes one call, Write, which returns once its entry is
// durable. Callers that arrive while a commit is running queue up; when it ends, the first of
// them commits the whole queue in one transaction, so one sync of the write-ahead log makes the
// batch durable. No thread of its own: the thread at the front of the queue does the work.
//
// With synchronous=FULL a commit costs a device flush; while it runs, the next batch gathers.
// When decisions arrive faster than the disk flushes, one flush serves a whole batch.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

#include "storage/release_ledger.h"

namespace kb::storage {

class LedgerWriter {
 public:
  // REQUIRES: `ledger` outlives the writer. At most `max_batch` entries per transaction.
  explicit LedgerWriter(ReleaseLedger& ledger, size_t max_batch = 512)
      : ledger_(ledger), max_batch_(max_batch) {}
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Commits `entry` (in a batch with whatever else is waiting) and returns its receipt once
  // durable; kInternal if the batch failed (nothing of it was written).
  // Blocks: call it from a thread that may wait for the disk, never from an I/O thread.
  Result<LedgerReceipt> Write(LedgerEntry entry);

  size_t queued() const;       // writes waiting or being committed now
  uint64_t batches() const;    // transactions committed or attempted
  uint64_t decisions() const;  // entries in them

 private:
  struct Writer;
  // The front writer's turn: commits it and up to max_batch_ - 1 queued behind it.
  void CommitFrontBatch(std::unique_lock<std::mutex>& lock);

  ReleaseLedger& ledger_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::deque<Writer*> queue_;  // guarded by mu_; the front one commits
  uint64_t batches_ = 0;       // guarded by mu_
  uint64_t decisions_ = 0;     // guarded by mu_
};

}  // namespace kb::storage
