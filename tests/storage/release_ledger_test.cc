// The release ledger's group commit: SqliteReleaseLedger::CommitAll (one transaction for many
// decisions) and LedgerWriter (callers that arrive during a commit are committed together, by the
// first of them), on a real SQLite file.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "storage/file_audit_sink.h"
#include "storage/ledger_writer.h"
#include "storage/sqlite_release_ledger.h"
#include "tests/support/audit_chain.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

constexpr Time kT = Time(std::chrono::milliseconds(1'700'000'000'000));

Bytes NonceNumber(uint8_t n) { return Bytes(kNonceSize, n); }

// An allow whose row, like the broker's (broker/release_decision.h), turns into a denial naming
// the nonce failure when its nonce was not consumed: the ledger hands the row builder the status.
LedgerEntry Allow(Bytes nonce, const std::string& request_id) {
  return LedgerEntry{std::move(nonce), kT, [request_id](const Status& consumed) {
                       AuditRecord r;
                       r.time = kT;
                       r.actor = "attested:i-1";
                       r.action = "release";
                       r.key_id = "k";
                       r.decision = consumed ? "allow" : "deny";
                       if (!consumed) r.reasons = std::string(ErrorCodeName(consumed.error().code));
                       r.request_id = request_id;
                       return r;
                     }};
}

class ReleaseLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::MakeTempDir() + "/kb.db";
    db_ = std::move(Database::Open(path_)).value();
    audit_ = std::make_unique<SqliteAuditLog>(*db_);
    ledger_ = std::make_unique<SqliteReleaseLedger>(*db_, *audit_);
  }
  void Issue(const Bytes& nonce) {
    ASSERT_TRUE(ledger_->IssueNonce(nonce, kT + std::chrono::minutes(5)));
  }
  uint64_t Rows() { return audit_->Verify()->rows; }

  std::string path_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteAuditLog> audit_;  // before the ledger that writes through it
  std::unique_ptr<SqliteReleaseLedger> ledger_;
};

TEST_F(ReleaseLedgerTest, CommitAllRecordsEachDecisionInOrderAndRefusesAReplayInTheSameBatch) {
  Issue(NonceNumber(1));
  Issue(NonceNumber(2));
  std::vector<LedgerEntry> batch;
  batch.push_back(Allow(NonceNumber(1), "a"));
  batch.push_back(Allow(NonceNumber(1), "b"));  // the same nonce again
  batch.push_back(Allow(NonceNumber(2), "c"));
  batch.push_back(Allow(Bytes{}, "d"));  // nothing to consume (an unverified denial)
  auto entries = ledger_->CommitAll(std::move(batch));
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_TRUE((*entries)[0].nonce);
  ASSERT_FALSE((*entries)[1].nonce);
  EXPECT_EQ((*entries)[1].nonce.error().code, ErrorCode::kNonceReplayed);
  EXPECT_TRUE((*entries)[2].nonce);
  EXPECT_TRUE((*entries)[3].nonce);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ((*entries)[i].seq, i + 1);
  auto rows = audit_->Read(0, 10);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].decision, "allow");
  EXPECT_EQ((*rows)[1].decision, "deny");
  EXPECT_EQ((*rows)[1].reasons, "nonce_replayed");
  EXPECT_EQ((*rows)[1].request_id, "b");
  EXPECT_TRUE(audit_->Verify()->ok);
}

TEST_F(ReleaseLedgerTest, AStorageFailureCommitsNothingOfTheBatch) {
  Issue(NonceNumber(1));
  {
    auto lock = db_->lock();
    ASSERT_TRUE(db_->Exec("ALTER TABLE nonces RENAME TO nonces_gone"));
  }
  std::vector<LedgerEntry> batch;
  batch.push_back(Allow(Bytes{}, "a"));         // would succeed alone
  batch.push_back(Allow(NonceNumber(1), "b"));  // the nonce table is gone
  auto entries = ledger_->CommitAll(std::move(batch));
  ASSERT_FALSE(entries);
  EXPECT_EQ(entries.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Rows(), 0u);
}

TEST_F(ReleaseLedgerTest, ANonceCheckReadsBesideACommitInProgress) {
  auto reads = Database::OpenReadOnly(path_);
  ASSERT_TRUE(reads) << reads.error().message;
  SqliteReleaseLedger ledger(*db_, **reads, *audit_);
  ASSERT_TRUE(ledger.IssueNonce(NonceNumber(7), kT + std::chrono::minutes(5)));
  auto lock = db_->lock();  // the writer is mid-commit: its connection is busy
  std::optional<Result<Transaction>> tx(Transaction::Begin(*db_));
  ASSERT_TRUE(tx->has_value());
  auto check =
      std::async(std::launch::async, [&] { return ledger.CheckNonce(NonceNumber(7), kT); });
  auto status = check.wait_for(std::chrono::seconds(5));
  tx.reset();  // either way, let a check that is waiting finish
  lock.unlock();
  ASSERT_EQ(status, std::future_status::ready) << "the nonce check waited for the writer";
  EXPECT_TRUE(check.get());
  EXPECT_EQ(ledger.CheckNonce(NonceNumber(8), kT).error().code, ErrorCode::kNonceUnknown);
}

// Holds the first CommitAll until released, so that a test can queue decisions behind it.
class GatedLedger final : public ReleaseLedger {
 public:
  explicit GatedLedger(ReleaseLedger& inner) : inner_(inner) {}
  Status IssueNonce(ByteSpan nonce, Time expires_at) override {
    return inner_.IssueNonce(nonce, expires_at);
  }
  Status CheckNonce(ByteSpan nonce, Time now) override { return inner_.CheckNonce(nonce, now); }
  Result<uint64_t> PurgeExpired(Time before) override { return inner_.PurgeExpired(before); }
  Result<std::vector<LedgerReceipt>> CommitAll(std::vector<LedgerEntry> entries) override {
    std::unique_lock lock(mu_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    if (fail_) return Error{ErrorCode::kInternal, "disk on fire"};
    return inner_.CommitAll(std::move(entries));
  }
  void WaitUntilEntered() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [this] { return entered_; });
  }
  void Open(bool fail = false) {
    std::lock_guard lock(mu_);
    open_ = true;
    fail_ = fail;
    changed_.notify_all();
  }

 private:
  ReleaseLedger& inner_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool entered_ = false, open_ = false, fail_ = false;
};

TEST_F(ReleaseLedgerTest, TheWriterCommitsWhatWaitedDuringACommitAsOneBatch) {
  GatedLedger gated(*ledger_);
  LedgerWriter writer(gated);
  std::atomic<int> done{0};
  std::vector<std::optional<Result<LedgerReceipt>>> receipts(51);
  std::vector<std::thread> threads;
  auto write = [&](int i) {
    receipts[size_t(i)] = writer.Write(Allow(Bytes{}, std::to_string(i)));
    ++done;
  };
  threads.emplace_back(write, 0);
  gated.WaitUntilEntered();        // the first batch (one entry) is committing
  for (int i = 1; i <= 50; ++i) {  // one at a time, so that they queue in this order
    threads.emplace_back(write, i);
    while (writer.queued() < size_t(i + 1)) std::this_thread::yield();
  }
  EXPECT_EQ(done.load(), 0) << "nobody is answered before their commit";
  gated.Open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 51);
  EXPECT_EQ(writer.batches(), 2u);
  EXPECT_EQ(writer.decisions(), 51u);
  for (int i = 0; i <= 50; ++i) {
    ASSERT_TRUE(*receipts[size_t(i)]) << i;
    EXPECT_EQ((*receipts[size_t(i)])->seq, uint64_t(i + 1)) << i;
  }
  EXPECT_EQ(Rows(), 51u);
}

TEST_F(ReleaseLedgerTest, AFailedBatchFailsEveryDecisionInIt) {
  GatedLedger gated(*ledger_);
  LedgerWriter writer(gated);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      auto receipt = writer.Write(Allow(Bytes{}, "x"));
      if (!receipt && receipt.error().code == ErrorCode::kInternal) ++failed;
    });
  }
  while (writer.queued() < 3) std::this_thread::yield();
  gated.Open(/*fail=*/true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 3);
  EXPECT_EQ(Rows(), 0u);
}

TEST_F(ReleaseLedgerTest, TheWriterBoundsItsBatches) {
  GatedLedger gated(*ledger_);
  LedgerWriter writer(gated, /*max_batch=*/4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&] { (void)writer.Write(Allow(Bytes{}, "x")); });
  while (writer.queued() < 10) std::this_thread::yield();
  gated.Open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(writer.decisions(), 10u);
  EXPECT_GE(writer.batches(), 3u);  // 10 entries, at most 4 per transaction
  EXPECT_EQ(Rows(), 10u);
}

TEST_F(ReleaseLedgerTest, ConcurrentWritersGetOneUnbrokenChain) {
  LedgerWriter writer(*ledger_);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) ok += bool(writer.Write(Allow(Bytes{}, "c")));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  auto verified = audit_->Verify();
  EXPECT_TRUE(verified->ok);
  EXPECT_EQ(verified->rows, 100u);
}

// Group commit reaches the audit sink too: one append, so one fsync, per batch.
class CountingSink final : public AuditSink {
 public:
  explicit CountingSink(AuditSink& inner) : inner_(inner) {}
  Status Append(std::span<const std::string> lines) override {
    ++appends;
    return inner_.Append(lines);
  }
  bool empty() const override { return inner_.empty(); }
  int appends = 0;

 private:
  AuditSink& inner_;
};

TEST_F(ReleaseLedgerTest, TheAuditSinkIsSyncedOncePerBatch) {
  auto file = FileAuditSink::Open(path_ + ".audit");
  ASSERT_TRUE(file) << file.error().message;
  CountingSink sink(**file);
  db_->set_audit_sink(&sink);
  SqliteAuditLog keyed(*db_, testing::ChainKey(1));
  ASSERT_TRUE(keyed.KeyLegacyChain(kT));
  SqliteReleaseLedger ledger(*db_, keyed);
  GatedLedger gated(ledger);
  LedgerWriter writer(gated);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { (void)writer.Write(Allow(Bytes{}, "first")); });
  gated.WaitUntilEntered();
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] { (void)writer.Write(Allow(Bytes{}, std::to_string(i))); });
  }
  while (writer.queued() < 21) std::this_thread::yield();
  gated.Open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(writer.batches(), 2u);
  EXPECT_EQ(sink.appends, 2);
  EXPECT_EQ(ReadAuditSinkFile(path_ + ".audit")->size(), 21u);
  EXPECT_TRUE(keyed.Verify()->ok);
}

}  // namespace
}  // namespace kb::storage
