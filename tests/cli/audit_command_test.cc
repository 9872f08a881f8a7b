// `keybroker audit verify` through the built binary, on real files: the keyed chain, a wrong
// KEK, a chain recomputed without the key, and the comparison with the audit sink's file
// (written here by the storage layer under the key the binary derives from the same KEK).

#include "cli/audit_command.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "cli/audit_setup.h"
#include "cli/broker_assembly.h"
#include "cli/kek_file.h"
#include "storage/file_audit_sink.h"
#include "tests/support/audit_chain.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::Keybroker;

const Time kT = Time(std::chrono::milliseconds(1'800'000'000'000));

class AuditCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    kek_ = WriteKek("kek.bin", 'k');
    db_ = dir_ + "/kb.db";
    sink_ = dir_ + "/audit.jsonl";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string WriteKek(const std::string& name, char fill) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << std::string(32, fill);
    ::chmod(path.c_str(), 0600);
    return path;
  }
  // Writes `n` rows as `serve` does: keyed under this KEK, each also to the sink file.
  void WriteRowsWithSink(int n) {
    auto kek = std::move(LoadKekFile(kek_)).value();
    auto sink = std::move(storage::FileAuditSink::Open(sink_)).value();
    auto db = std::move(storage::Database::Open(db_)).value();
    auto log = std::move(OpenKeyedAuditLog(*db, kek, sink.get(), kT)).value();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(log->Append(testing::AuditRow(std::to_string(i))));
  }
  testing::CliRun Verify(const std::string& extra = "") {
    return Keybroker("audit verify --db " + db_ + " --kek " + kek_ + extra);
  }
  void Sql(const std::string& sql) {
    ASSERT_EQ(std::system(("sqlite3 " + db_ + " \"" + sql + "\"").c_str()), 0);
  }
  std::string dir_, kek_, db_, sink_;
};

TEST_F(AuditCommand, AChainVerifiesOnlyWithItsKek) {
  WriteRowsWithSink(3);
  auto ok = Verify();
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(ok.json()["rows"], 3);
  auto wrong = Keybroker("audit verify --db " + db_ + " --kek " + WriteKek("other.bin", 'o'));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_EQ(wrong.json()["broken_at"], 1);
  EXPECT_NE(std::string(wrong.json()["reason"].as_string()).find("another KEK"), std::string::npos);
}

TEST_F(AuditCommand, AChainMarkedUnkeyedFails) {
  WriteRowsWithSink(2);
  Sql("UPDATE audit_chain SET format = 'sha256'");  // then recompute with SHA-256: unkeyed
  auto run = Verify();
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(std::string(run.json()["reason"].as_string()).find("not keyed"), std::string::npos);
}

TEST_F(AuditCommand, AgainstTheSinkFindsRowsCutOffTheEnd) {
  WriteRowsWithSink(5);
  Sql("DELETE FROM audit_log WHERE seq > 3");
  EXPECT_EQ(Verify().exit_code, 0) << "the chain alone cannot show it";
  auto run = Verify(" --against " + sink_);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  auto against = run.json()["against"].as_object();
  EXPECT_EQ(against["ok"], false);
  EXPECT_EQ(against["first_difference"].as_object()["seq"], 4);
  EXPECT_EQ(against["first_difference"].as_object()["kind"], "cut_off");
}

TEST_F(AuditCommand, AgainstTheSinkFindsAChangedRow) {
  WriteRowsWithSink(3);
  Sql("UPDATE audit_log SET key_id = 'other' WHERE seq = 2");
  auto run = Verify(" --against " + sink_);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  auto difference = run.json()["against"].as_object()["first_difference"].as_object();
  EXPECT_EQ(difference["seq"], 2);
  EXPECT_EQ(difference["kind"], "changed");
}

TEST_F(AuditCommand, RowsWrittenOfflineAreListedAsNotInTheFile) {
  WriteRowsWithSink(2);
  ASSERT_EQ(Keybroker("keys create --db " + db_ + " --kek " + kek_ + " --id offline").exit_code, 0);
  auto run = Verify(" --against " + sink_);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto against = run.json()["against"].as_object();
  EXPECT_EQ(against["ok"], true);
  EXPECT_EQ(against["rows_not_in_file"], 1);
  EXPECT_EQ(against["first_not_in_file"], 3);
  EXPECT_EQ(Verify(" --against " + dir_ + "/missing.jsonl").exit_code, 2);
}

// The serve path (AssembleBroker) on a database an older keybroker wrote: the plain chain is
// verified, re-keyed, recorded, and written to the sink, and the CLI then verifies it.
TEST_F(AuditCommand, AnOldChainIsRekeyedAtStart) {
  {
    auto db = std::move(storage::Database::Open(db_)).value();
    storage::SqliteAuditLog unkeyed(*db);
    for (const char* id : {"a", "b"}) ASSERT_TRUE(unkeyed.Append(testing::AuditRow(id)));
  }
  EXPECT_EQ(Verify().exit_code, 1) << "not keyed yet";
  Config config;
  config.data_dir = dir_;
  config.database = db_;
  config.kek_file = kek_;
  config.audit_sink = sink_;
  {
    Broker b;
    auto assembled = AssembleBroker(config, kT, b);
    ASSERT_TRUE(assembled) << assembled.error().message;
    EXPECT_EQ(b.audit_rekey.rows, 2u);
  }
  auto run = Verify(" --against " + sink_);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.json()["rows"], 3);  // and the audit.rekey row
  EXPECT_EQ(run.json()["against"].as_object()["lines"], 3);
}

}  // namespace
}  // namespace kb::cli
