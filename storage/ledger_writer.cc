#include "storage/ledger_writer.h"

#include "common/await.h"

namespace kb::storage {

LedgerWriter::LedgerWriter(ReleaseLedger& ledger, size_t max_batch)
    : ledger_(ledger), max_batch_(max_batch), thread_([this] { Run(); }) {}

LedgerWriter::~LedgerWriter() { Stop(); }

void LedgerWriter::Submit(ReleaseLedger::Decision decision, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(decision), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Error{ErrorCode::kInternal, "the release ledger is shutting down"});
}

Result<ReleaseLedger::Entry> LedgerWriter::Commit(ReleaseLedger::Decision decision) {
  return AwaitCallback<Result<ReleaseLedger::Entry>>(
      [&](Done done) { Submit(std::move(decision), std::move(done)); });
}

void LedgerWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t LedgerWriter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

uint64_t LedgerWriter::decisions() const {
  std::lock_guard lock(mu_);
  return decisions_;
}

void LedgerWriter::Run() {
  std::vector<Pending> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted is committed
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        auto split = queue_.begin() + long(max_batch_);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(split));
        queue_.erase(queue_.begin(), split);
      }
      ++batches_;
      decisions_ += batch.size();
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void LedgerWriter::CommitBatch(std::vector<Pending>& batch) {
  std::vector<ReleaseLedger::Decision> decisions;
  decisions.reserve(batch.size());
  for (Pending& p : batch) decisions.push_back(std::move(p.decision));
  auto entries = ledger_.CommitAll(std::move(decisions));
  for (size_t i = 0; i < batch.size(); ++i) {
    if (entries) {
      batch[i].done(std::move((*entries)[i]));
    } else {
      batch[i].done(entries.error());
    }
  }
}

}  // namespace kb::storage
