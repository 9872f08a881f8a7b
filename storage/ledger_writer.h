#pragma once

// The one writer of release decisions, with group commit. Request threads submit a decision
// (the nonce to consume and the audit row) and go on serving other requests; one thread takes
// every decision waiting at that moment and commits them in one transaction, so one sync of the
// write-ahead log makes a whole batch durable. Each submitter's callback runs only after its
// batch has committed (or failed), on the writer thread.
//
// With synchronous=FULL a commit costs a device flush; while it runs, the next batch gathers.
// When decisions arrive faster than the disk flushes, one flush serves a whole batch; either
// way the threads that verify evidence never wait for the disk.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/release_ledger.h"

namespace kb::storage {

class LedgerWriter {
 public:
  using Done = std::function<void(Result<ReleaseLedger::Entry>)>;

  // REQUIRES: `ledger` outlives the writer. At most `max_batch` decisions per transaction.
  explicit LedgerWriter(ReleaseLedger& ledger, size_t max_batch = 512);
  ~LedgerWriter();  // Stop()
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Queues a decision; `done` gets its entry once durable. After Stop(), `done` runs at once
  // with kInternal and nothing is written.
  void Submit(ReleaseLedger::Decision decision, Done done);
  // Submit, waiting for the result (one-shot callers and tests; never from the writer's own
  // callbacks).
  Result<ReleaseLedger::Entry> Commit(ReleaseLedger::Decision decision);

  // Commits everything already submitted, runs its callbacks, and ends the thread. Idempotent.
  void Stop();

  uint64_t batches() const;    // transactions committed or attempted
  uint64_t decisions() const;  // decisions in them

 private:
  struct Pending {
    ReleaseLedger::Decision decision;
    Done done;
  };
  void Run();
  void CommitBatch(std::vector<Pending>& batch);

  ReleaseLedger& ledger_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  uint64_t batches_ = 0;        // guarded by mu_
  uint64_t decisions_ = 0;      // guarded by mu_
  std::thread thread_;          // last: started once everything above exists
};

}  // namespace kb::storage
