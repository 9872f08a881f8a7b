#include "storage/ledger_writer.h"

#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace kb::storage {

// One caller of Write, waiting in the queue on its own stack.
struct LedgerWriter::Writer {
  LedgerEntry entry;
  std::optional<Result<LedgerReceipt>> result;  // set once its batch is over
  std::condition_variable turn;                 // signalled when done or at the front
};

Result<LedgerReceipt> LedgerWriter::Write(LedgerEntry entry) {
  Writer self{std::move(entry), std::nullopt, {}};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.turn.wait(lock, [&] { return self.result.has_value() || queue_.front() == &self; });
  if (!self.result) CommitFrontBatch(lock);
  return std::move(*self.result);
}

void LedgerWriter::CommitFrontBatch(std::unique_lock<std::mutex>& lock) {
  size_t count = std::min(queue_.size(), max_batch_);
  std::vector<Writer*> batch(queue_.begin(), queue_.begin() + long(count));
  std::vector<LedgerEntry> entries;
  entries.reserve(count);
  for (Writer* w : batch) entries.push_back(std::move(w->entry));
  ++batches_;
  decisions_ += count;
  // The queue keeps the batch at its front meanwhile: newcomers wait behind it.
  lock.unlock();
  Result<std::vector<LedgerReceipt>> receipts = Error{ErrorCode::kInternal, "not committed"};
  try {  // the batch's writers wait on this thread: nothing may leave it half done
    receipts = ledger_.CommitAll(std::move(entries));
  } catch (const std::exception& e) {
    receipts = Error{ErrorCode::kInternal, std::string("the ledger failed: ") + e.what()};
  }
  lock.lock();
  for (size_t i = 0; i < count; ++i) {
    Writer* w = queue_.front();
    queue_.pop_front();
    if (receipts) {
      w->result.emplace(std::move((*receipts)[i]));
    } else {
      w->result.emplace(receipts.error());
    }
    w->turn.notify_one();
  }
  if (!queue_.empty()) queue_.front()->turn.notify_one();  // the next batch's leader
}

size_t LedgerWriter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

uint64_t LedgerWriter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

uint64_t LedgerWriter::decisions() const {
  std::lock_guard lock(mu_);
  return decisions_;
}

}  // namespace kb::storage
