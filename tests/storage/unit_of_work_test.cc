// Several store calls as one transaction on a real SQLite file: all of them or none, with store
// transactions nested inside as savepoints.

#include "storage/unit_of_work.h"

#include <gtest/gtest.h>

#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_key_store.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

const Time kT = Time(std::chrono::milliseconds(1'800'000'000'000));

class UnitOfWorkTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    work_.reset();
    keys_.reset();
    audit_.reset();
    db_.reset();
    db_ = std::move(Database::Open(path_)).value();
    keys_ = std::make_unique<SqliteKeyStore>(*db_);
    audit_ = std::make_unique<SqliteAuditLog>(*db_);
    work_ = std::make_unique<SqliteUnitOfWork>(*db_);
  }
  static KeyRecord Key(const std::string& id) { return {id, "generated", true, 1, kT, "admin"}; }
  Status AuditRow() {
    AuditRecord row;
    row.time = kT;
    row.actor = "admin";
    row.action = "key.create";
    row.decision = "ok";
    auto seq = audit_->Append(std::move(row));
    if (!seq) return std::move(seq).error();
    return Ok();
  }

  std::string path_ = testing::MakeTempDir() + "/kb.db";
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteKeyStore> keys_;
  std::unique_ptr<SqliteAuditLog> audit_;
  std::unique_ptr<SqliteUnitOfWork> work_;
};

TEST_F(UnitOfWorkTest, CommitsEveryCallTogether) {
  ASSERT_TRUE(work_->Run([&]() -> Status {
    if (auto s = keys_->Create(Key("a"), Bytes{1}); !s) return s;
    return AuditRow();
  }));
  Open();  // durable: visible to a new connection
  EXPECT_TRUE(keys_->Get("a"));
  EXPECT_EQ(audit_->Verify()->rows, 1u);
}

TEST_F(UnitOfWorkTest, AFailureLeavesNothingOfAnyCall) {
  auto failed = work_->Run([&]() -> Status {
    if (auto s = keys_->Create(Key("a"), Bytes{1}); !s) return s;
    if (auto s = AuditRow(); !s) return s;
    return Error{ErrorCode::kConflict, "the last step failed"};
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
  EXPECT_EQ(keys_->Get("a").error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(audit_->Verify()->rows, 0u);
  Open();
  EXPECT_FALSE(keys_->Get("a"));
}

TEST_F(UnitOfWorkTest, AFailedNestedCallRollsBackOnlyItself) {
  ASSERT_TRUE(keys_->Create(Key("taken"), Bytes{1}));
  ASSERT_TRUE(work_->Run([&]() -> Status {
    if (auto s = keys_->Create(Key("a"), Bytes{1}); !s) return s;
    EXPECT_FALSE(keys_->Create(Key("taken"), Bytes{2}));  // its savepoint is rolled back
    return AuditRow();
  }));
  Open();
  EXPECT_TRUE(keys_->Get("a"));
  EXPECT_EQ(audit_->Verify()->rows, 1u);
  EXPECT_TRUE(audit_->Verify()->ok);
}

}  // namespace
}  // namespace kb::storage
