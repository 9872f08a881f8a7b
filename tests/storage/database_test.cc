#include "storage/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "storage/migrations.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_reference_store.h"
#include "storage/sqlite_unit_of_work.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = testing::MakeTempDir() + "/kb.db"; }
  std::string path_;
};

int Pragma(Database& db, const char* sql) {
  auto lock = db.lock();
  auto stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt);
  EXPECT_EQ(sqlite3_step(stmt->get()), SQLITE_ROW);
  return sqlite3_column_int(stmt->get(), 0);
}

TEST_F(DatabaseTest, OpensWithWalForeignKeysAndFullSync) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(Pragma(**db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Pragma(**db, "PRAGMA synchronous"), 2);  // FULL
  auto lock = (*db)->lock();
  auto mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_EQ(sqlite3_step(mode->get()), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(mode->get(), 0)), "wal");
  EXPECT_EQ((*db)->schema_version(), int(Migrations().size()));
}

// The database holds the wrapped keys and the audit chain: it, its WAL and its shared-memory
// index are the owner's only, even under the usual umask 022.
TEST_F(DatabaseTest, CreatesTheDatabaseWalAndShmOwnerOnly) {
  mode_t saved = ::umask(022);
  auto db = Database::Open(path_);
  ::umask(saved);
  ASSERT_TRUE(db) << db.error().message;
  {
    auto lock = (*db)->lock();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)"));  // WAL in use
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    ASSERT_EQ(::stat((path_ + suffix).c_str(), &st), 0) << suffix;
    EXPECT_EQ(st.st_mode & 07777, 0600u) << "keybroker.db" << suffix;
  }
}

TEST_F(DatabaseTest, LeavesTheModeOfAnExistingDatabaseAlone) {
  ASSERT_TRUE(Database::Open(path_));
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  ASSERT_TRUE(Database::Open(path_));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(DatabaseTest, MigratesAnExistingDatabaseAndKeepsItsRows) {
  {
    auto old = Database::OpenAtVersion(path_, 1);
    ASSERT_TRUE(old);
    EXPECT_EQ((*old)->schema_version(), 1);
    // A row as version 1 wrote it (the store of today writes columns of later migrations).
    auto lock = (*old)->lock();
    ASSERT_TRUE((*old)->Exec(
        "INSERT INTO reference_measurements VALUES ('r@1', 'nitro-enclave', 'src', 'active', 0, "
        "'a'); INSERT INTO reference_pcrs VALUES ('r@1', 0, zeroblob(48))"));
  }
  auto db = Database::Open(path_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ((*db)->schema_version(), int(Migrations().size()));
  SqliteReferenceStore refs(**db);
  auto r = refs.Get("r@1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, "src");
  // Migration 6 added the two-person rule: a reference that existed before is approved.
  EXPECT_EQ(r->status, policy::ReferenceStatus::kActive);
  SqlitePolicyStore policies(**db);  // the table of migration 2 exists
  SqliteUnitOfWork unit_of_work(**db);
  EXPECT_TRUE(unit_of_work.Run([&](Tx& tx) -> Status {
    auto put = policies.Put(tx, "p", "name: p", "admin", Time{});
    if (!put) return std::move(put).error();
    return Ok();
  }));
  // Opening again is a no-op.
  db->reset();
  EXPECT_TRUE(Database::Open(path_));
}

// `keybroker serve` and `keybroker admin bootstrap` may open a new database at the same time.
TEST_F(DatabaseTest, ConcurrentOpenersMigrateOnce) {
  for (int round = 0; round < 5; ++round) {
    std::string path = path_ + std::to_string(round);
    std::vector<std::thread> openers;
    std::atomic<int> opened{0};
    for (int i = 0; i < 4; ++i) {
      openers.emplace_back([&] {
        auto db = Database::Open(path);
        EXPECT_TRUE(db) << db.error().message;
        if (db && (*db)->schema_version() == int(Migrations().size())) ++opened;
      });
    }
    for (auto& t : openers) t.join();
    EXPECT_EQ(opened.load(), 4);
  }
}

TEST_F(DatabaseTest, RefusesASchemaNewerThanItKnows) {
  {
    auto db = Database::Open(path_);
    ASSERT_TRUE(db);
    auto lock = (*db)->lock();
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 99"));
  }
  auto db = Database::Open(path_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().message, "database schema version 99 is newer than this keybroker knows");
}

TEST_F(DatabaseTest, FailsCleanlyOnAnUnopenablePath) {
  EXPECT_FALSE(Database::Open("/nonexistent-dir/kb.db"));
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db);
  {
    auto lock = (*db)->lock();
    auto tx = Transaction::Begin(**db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(
        (*db)->Exec("INSERT INTO reference_measurements VALUES ('x', 'nitro-enclave', '', "
                    "'active', 0, 'a', 1)"));
  }
  SqliteReferenceStore refs(**db);
  EXPECT_EQ(refs.List()->size(), 0u);
}

TEST_F(DatabaseTest, PreparedStatementsAreCompiledOncePerText) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db);
  auto lock = (*db)->lock();
  constexpr char kSql[] = "SELECT count(*) FROM nonces";
  sqlite3_stmt* first = nullptr;
  {
    auto stmt = (*db)->Prepare(kSql);
    ASSERT_TRUE(stmt);
    first = stmt->get();
    ASSERT_EQ(sqlite3_step(first), SQLITE_ROW);  // left mid-result on purpose
  }
  EXPECT_EQ(sqlite3_stmt_busy(first), 0) << "a returned statement is reset";
  auto again = (*db)->Prepare(kSql);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), first);
  // Borrowed twice at once (a store called inside another): a second, independent statement.
  auto nested = (*db)->Prepare(kSql);
  ASSERT_TRUE(nested);
  EXPECT_NE(nested->get(), first);
  EXPECT_EQ(sqlite3_step(nested->get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_step(again->get()), SQLITE_ROW);
}

TEST_F(DatabaseTest, ACachedStatementSurvivesASchemaChange) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db);
  auto lock = (*db)->lock();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (a INTEGER)"));
  constexpr char kSql[] = "SELECT * FROM t";
  {
    auto stmt = (*db)->Prepare(kSql);
    ASSERT_TRUE(stmt);
    EXPECT_EQ(sqlite3_column_count(stmt->get()), 1);
  }
  ASSERT_TRUE((*db)->Exec("ALTER TABLE t ADD COLUMN b INTEGER; INSERT INTO t VALUES (1, 2)"));
  auto stmt = (*db)->Prepare(kSql);
  ASSERT_TRUE(stmt);
  ASSERT_EQ(sqlite3_step(stmt->get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_count(stmt->get()), 2);
  EXPECT_EQ(sqlite3_column_int(stmt->get(), 1), 2);
}

TEST_F(DatabaseTest, PrepareReportsInvalidSql) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db);
  auto lock = (*db)->lock();
  auto stmt = (*db)->Prepare("SELEC nothing");
  ASSERT_FALSE(stmt);
  EXPECT_EQ(stmt.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace kb::storage
