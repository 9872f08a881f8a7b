// The chain against its sink file (storage/audit_anchor.h), on a real SQLite file and a real
// FileAuditSink: what someone who can write the database (not the sink, not the KEK) can do to
// the chain that the chain alone does not show, and what the file shows.

#include "storage/audit_anchor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "storage/file_audit_sink.h"
#include "tests/support/audit_chain.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

using testing::AuditRow;
using testing::ChainKey;
using testing::Sql;

const Time kT = Time(std::chrono::milliseconds(1'800'000'000'000));

class AuditAnchorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = testing::MakeTempDir();
    sink_path_ = dir + "/audit.jsonl";
    sink_ = std::move(FileAuditSink::Open(sink_path_)).value();
    db_ = std::move(Database::Open(dir + "/kb.db")).value();
    db_->set_audit_sink(sink_.get());
    log_ = std::make_unique<SqliteAuditLog>(*db_, ChainKey(1));
    ASSERT_TRUE(log_->KeyLegacyChain(kT));
  }
  void AppendRows(int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(log_->Append(AuditRow("k" + std::to_string(i))));
  }
  AnchorReport Compare() {
    auto lines = std::move(ReadAuditSinkFile(sink_path_)).value();
    auto report = CompareWithSinkLines(
        *log_, [&](const AuditRecord& row) { return log_->ChainValue(row); }, lines);
    EXPECT_TRUE(report) << report.error().message;
    return *report;
  }
  void AppendToFile(const std::string& text) { std::ofstream(sink_path_, std::ios::app) << text; }

  std::string sink_path_;
  std::unique_ptr<FileAuditSink> sink_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteAuditLog> log_;
};

TEST_F(AuditAnchorTest, AnIntactChainMatchesItsFile) {
  AppendRows(4);
  auto r = Compare();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.lines, 4u);
  EXPECT_EQ(r.rows_not_in_file, 0u);
}

TEST_F(AuditAnchorTest, RowsCutOffTheEndAreDetected) {
  AppendRows(5);
  Sql(*db_, "DELETE FROM audit_log WHERE seq >= 4");
  EXPECT_TRUE(log_->Verify()->ok) << "a prefix of the chain is a valid chain";
  auto r = Compare();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_difference);
  EXPECT_EQ(r.first_difference->seq, 4u);
  EXPECT_EQ(r.first_difference->kind, "cut_off");
}

TEST_F(AuditAnchorTest, AChangedRowIsDetected) {
  AppendRows(4);
  Sql(*db_, "UPDATE audit_log SET decision = 'error' WHERE seq = 3");
  auto r = Compare();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_difference);
  EXPECT_EQ(r.first_difference->seq, 3u);
  EXPECT_EQ(r.first_difference->kind, "changed");
}

TEST_F(AuditAnchorTest, AMissingRowIsDetected) {
  AppendRows(4);
  Sql(*db_, "DELETE FROM audit_log WHERE seq = 2");
  auto r = Compare();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_difference);
  EXPECT_EQ(r.first_difference->seq, 2u);
  EXPECT_EQ(r.first_difference->kind, "missing");
}

TEST_F(AuditAnchorTest, RowsWrittenWithoutTheSinkAreReportedApart) {
  AppendRows(2);
  db_->set_audit_sink(nullptr);  // as `keys create` offline, or a broker without audit_sink
  AppendRows(2);
  auto r = Compare();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.rows_not_in_file, 2u);
  EXPECT_EQ(r.first_not_in_file, 3u);
}

TEST_F(AuditAnchorTest, ALaterLineForTheSameSeqSupersedesAnEarlierOne) {
  AppendRows(2);
  // A transaction that wrote its line and then failed to commit: seq 3 with other fields.
  AuditRecord failed = AuditRow("never-committed");
  failed.seq = 3;
  failed.prev_hash = std::move(log_->Read(1, 1)).value().at(0).hash;
  failed.hash = *AuditRowMac(ChainKey(1), failed);
  ASSERT_TRUE(sink_->Append(std::vector<std::string>{AuditLine(failed)}));
  EXPECT_FALSE(Compare().ok) << "until seq 3 is written, the file is ahead of the database";
  AppendRows(1);
  auto r = Compare();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.superseded, 1u);
}

TEST_F(AuditAnchorTest, ALineWithoutAValidMacIsReported) {
  AppendRows(2);
  AuditRecord forged = AuditRow("forged");
  forged.seq = 3;
  forged.hash = *AuditRowMac(ChainKey(2), forged);  // not the chain's key
  AppendToFile(AuditLine(forged) + "\n");
  auto r = Compare();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_difference->kind, "forged_line");
  EXPECT_EQ(r.first_difference->line, 3u);
}

TEST_F(AuditAnchorTest, ATornLineIsReportedAndTheNextAppendStartsOnANewLine) {
  AppendRows(1);
  AppendToFile("{\"seq\": 2, \"ti");  // a write cut short by a crash
  sink_.reset();
  sink_ = std::move(FileAuditSink::Open(sink_path_)).value();
  db_->set_audit_sink(sink_.get());
  AppendRows(1);
  auto r = Compare();
  EXPECT_EQ(r.lines, 3u);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_difference->kind, "unreadable_line");
  EXPECT_EQ(r.first_difference->line, 2u);
  EXPECT_EQ(r.rows_not_in_file, 0u) << "the row after the torn line was still anchored";
}

}  // namespace
}  // namespace kb::storage
