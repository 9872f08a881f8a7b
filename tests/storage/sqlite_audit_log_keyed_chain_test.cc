// The keyed audit chain (storage/sqlite_audit_log.h) against someone who can write the
// database but does not hold the KEK: each test performs the attack and expects it detected.

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "storage/audit_sink.h"
#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_release_ledger.h"
#include "tests/support/audit_chain.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

using testing::AuditRow;
using testing::ChainKey;
using testing::Sql;

const Time kT = Time(std::chrono::milliseconds(1'800'000'000'000));

// A sink in memory whose appends can be made to fail (the file sink has its own tests).
class MemorySink final : public AuditSink {
 public:
  Status Append(std::span<const std::string> lines) override {
    ++appends;
    if (fail) return Error{ErrorCode::kInternal, "disk full"};
    this->lines.insert(this->lines.end(), lines.begin(), lines.end());
    return Ok();
  }
  bool empty() const override { return lines.empty(); }
  std::vector<std::string> lines;
  int appends = 0;
  bool fail = false;
};

class KeyedAuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::Open(testing::MakeTempDir() + "/kb.db")).value();
  }
  // A keyed log on a chain converted from whatever the unkeyed writer left.
  std::unique_ptr<SqliteAuditLog> Keyed(uint8_t fill = 1) {
    auto log = std::make_unique<SqliteAuditLog>(*db_, ChainKey(fill));
    EXPECT_TRUE(log->KeyLegacyChain(kT));
    return log;
  }
  void AppendRows(AuditLog& log, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(log.Append(AuditRow("k" + std::to_string(i))));
  }
  std::unique_ptr<Database> db_;
};

TEST_F(KeyedAuditChainTest, AKeyedChainVerifiesWithItsKey) {
  auto log = Keyed();
  AppendRows(*log, 3);
  auto v = log->Verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_TRUE(v->keyed);
  EXPECT_EQ(v->rows, 3u);
  auto rows = std::move(log->Read(0, 10)).value();
  EXPECT_EQ(rows[2].hash, *AuditRowMac(ChainKey(1), rows[2]));
}

TEST_F(KeyedAuditChainTest, AChainRecomputedWithPlainSha256IsDetected) {
  auto log = Keyed();
  AppendRows(*log, 3);
  Sql(*db_, "UPDATE audit_log SET decision = 'deny' WHERE seq = 2");
  testing::RecomputeChain(*db_, [](const AuditRecord& r) { return AuditRowHash(r); });
  auto v = log->Verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_at, 1u);
  // ... and marking the chain as never keyed (a downgrade) does not help either.
  Sql(*db_, "UPDATE audit_chain SET format = 'sha256'");
  v = log->Verify();
  EXPECT_FALSE(v->ok);
  EXPECT_NE(v->reason.find("not keyed"), std::string::npos) << v->reason;
}

TEST_F(KeyedAuditChainTest, AChainRecomputedWithAnotherKeyIsDetectedAndSaysSo) {
  auto log = Keyed(1);
  AppendRows(*log, 3);
  Sql(*db_, "UPDATE audit_log SET key_id = 'other' WHERE seq = 3");
  testing::RecomputeChain(*db_, [](const AuditRecord& r) { return *AuditRowMac(ChainKey(2), r); });
  auto v = log->Verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_at, 1u);
  EXPECT_NE(v->reason.find("another KEK"), std::string::npos) << v->reason;
}

TEST_F(KeyedAuditChainTest, APlainChainIsRekeyedOnceAndRecorded) {
  SqliteAuditLog unkeyed(*db_);  // what an older keybroker wrote
  AppendRows(unkeyed, 2);
  Sha256Digest old_head = unkeyed.Verify()->head;
  SqliteAuditLog log(*db_, ChainKey(1));
  auto rekey = log.KeyLegacyChain(kT);
  ASSERT_TRUE(rekey) << rekey.error().message;
  EXPECT_TRUE(rekey->changed_format);
  EXPECT_EQ(rekey->rows, 2u);
  EXPECT_EQ(rekey->legacy_head, old_head);
  auto v = log.Verify();
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->rows, 3u);
  auto record = std::move(log.Read(2, 1)).value().at(0);
  EXPECT_EQ(record.action, "audit.rekey");
  EXPECT_EQ(record.actor, "keybroker");
  EXPECT_NE(record.reasons.find(HexEncode(old_head)), std::string::npos);
  EXPECT_FALSE(log.KeyLegacyChain(kT)->changed_format);  // once only
  // A writer without the key can no longer extend (and so break) the chain.
  auto refused = unkeyed.Append(AuditRow("late"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--kek"), std::string::npos);
}

TEST_F(KeyedAuditChainTest, ABrokenPlainChainIsNotRekeyed) {
  SqliteAuditLog unkeyed(*db_);
  AppendRows(unkeyed, 3);
  Sql(*db_, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
  SqliteAuditLog log(*db_, ChainKey(1));
  auto rekey = log.KeyLegacyChain(kT);
  ASSERT_FALSE(rekey);
  EXPECT_NE(rekey.error().message.find("broken at seq 2"), std::string::npos);
  EXPECT_FALSE(log.Verify()->ok);  // still plain: not keyed
}

TEST_F(KeyedAuditChainTest, APlainChainIsNotRekeyedWhenTheSinkHasKeyedRows) {
  // The downgrade: the database is replaced by one whose (forged) chain is plain SHA-256, so
  // that the broker would key the forgery. The sink shows that a keyed broker ran before.
  MemorySink sink;
  db_->set_audit_sink(&sink);
  auto log = Keyed();
  AppendRows(*log, 2);
  ASSERT_FALSE(sink.empty());
  Sql(*db_, "UPDATE audit_log SET key_id = 'forged' WHERE seq = 1");
  testing::RecomputeChain(*db_, [](const AuditRecord& r) { return AuditRowHash(r); });
  Sql(*db_, "UPDATE audit_chain SET format = 'sha256'");
  auto rekey = SqliteAuditLog(*db_, ChainKey(1)).KeyLegacyChain(kT);
  ASSERT_FALSE(rekey);
  EXPECT_NE(rekey.error().message.find("refusing to re-key"), std::string::npos);
}

TEST_F(KeyedAuditChainTest, RekeyingWritesTheWholeChainToTheSink) {
  SqliteAuditLog unkeyed(*db_);
  AppendRows(unkeyed, 2);
  MemorySink sink;
  db_->set_audit_sink(&sink);
  auto log = Keyed();
  ASSERT_EQ(sink.lines.size(), 3u);  // two re-keyed rows and the audit.rekey row
  EXPECT_EQ(sink.appends, 1);        // in the conversion's one transaction
  auto rows = std::move(log->Read(0, 10)).value();
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(sink.lines[i], AuditLine(rows[i]));
}

TEST_F(KeyedAuditChainTest, WhenTheSinkFailsTheRowAndItsChangeDoNotTakeEffect) {
  MemorySink sink;
  db_->set_audit_sink(&sink);
  auto log = Keyed();
  SqliteReleaseLedger ledger(*db_, *log);
  Bytes nonce(kNonceSize, 9);
  ASSERT_TRUE(ledger.IssueNonce(nonce, kT + std::chrono::minutes(5)));
  sink.fail = true;
  std::vector<LedgerEntry> batch;
  batch.push_back({nonce, kT, [](const Status&) { return AuditRow("release"); }});
  EXPECT_FALSE(ledger.CommitAll(std::move(batch)));
  EXPECT_FALSE(log->Append(AuditRow("x")));
  EXPECT_EQ(log->Verify()->rows, 0u);
  EXPECT_TRUE(ledger.CheckNonce(nonce, kT)) << "the nonce must not have been consumed";
  sink.fail = false;  // the staged lines of the failed transactions are gone with them
  ASSERT_TRUE(log->Append(AuditRow("y")));
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(std::move(ParseAuditLine(sink.lines[0])).value().key_id, "y");
}

TEST_F(KeyedAuditChainTest, LinesOfARolledBackSavepointNeverReachTheSink) {
  MemorySink sink;
  db_->set_audit_sink(&sink);
  auto log = Keyed();
  {
    auto lock = db_->lock();
    auto outer = std::move(Transaction::Begin(*db_)).value();
    ASSERT_TRUE(log->AppendLocked(AuditRow("kept")));
    {
      auto inner = std::move(Transaction::Begin(*db_)).value();
      ASSERT_TRUE(log->AppendLocked(AuditRow("rolled-back")));
    }  // rolled back
    ASSERT_TRUE(outer.Commit());
  }
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(std::move(ParseAuditLine(sink.lines[0])).value().key_id, "kept");
}

TEST(AuditLine, RoundTripsEveryFieldAndRefusesOthers) {
  AuditRecord r = AuditRow("k");
  r.seq = 7;
  r.evidence_sha256 = Bytes(32, 3);
  r.reasons = "a \"quoted\"\nreason";
  r.hash = *AuditRowMac(ChainKey(1), r);
  auto back = ParseAuditLine(AuditLine(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(AuditLine(*back), AuditLine(r));
  EXPECT_FALSE(ParseAuditLine("{\"seq\": 1}"));
  EXPECT_FALSE(ParseAuditLine(AuditLine(r).substr(0, 40)));
  std::string extra = AuditLine(r);
  extra.insert(1, "\"x\":1,");
  EXPECT_FALSE(ParseAuditLine(extra));
}

}  // namespace
}  // namespace kb::storage
