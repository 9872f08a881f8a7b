// The PostgreSQL connection pool, migrations and unit of work, against the tests' cluster.

#include "storage/pg/pg_database.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/pg/pg_import_token_store.h"
#include "storage/pg/pg_migrations.h"
#include "storage/pg/pg_unit_of_work.h"
#include "tests/support/test_postgres.h"

namespace kb::storage {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class PgDatabaseTest : public ::testing::Test {
 protected:
  std::unique_ptr<PgDatabase> Open() {
    auto db = PgDatabase::Open(PgOptions{pg_.url, pg_.password, 4});
    EXPECT_TRUE(db) << (db ? "" : db.error().message);
    return db ? std::move(*db) : nullptr;
  }
  int64_t Count(PgDatabase& db, const char* sql) {
    auto c = db.Acquire();
    auto r = (*c)->Exec(sql, "count");
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->Int(0, 0) : -1;
  }
  testing::TestPostgres pg_ = testing::FreshPostgresSchema();
};

TEST_F(PgDatabaseTest, MigratesOnceAndRefusesANewerSchema) {
  auto db = Open();
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), int(PgMigrations().size()));
  auto again = Open();  // already current: nothing to do
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version(), int(PgMigrations().size()));
  {
    auto c = db->Acquire();
    ASSERT_TRUE((*c)->Run("UPDATE keybroker_schema SET version = 999", "bump"));
  }
  auto newer = PgDatabase::Open(PgOptions{pg_.url, pg_.password, 1});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer than this program"), std::string::npos);
}

TEST_F(PgDatabaseTest, ReplicasStartingTogetherMigrateOnce) {
  std::vector<Result<std::unique_ptr<PgDatabase>>> opened;
  for (int i = 0; i < 4; ++i) opened.emplace_back(Error{ErrorCode::kInternal, "not run"});
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { opened[size_t(i)] = PgDatabase::Open({pg_.url, pg_.password}); });
  }
  for (auto& t : threads) t.join();
  for (auto& db : opened) ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(Count(**opened[0], "SELECT count(*) FROM keybroker_schema"), 1);
}

TEST_F(PgDatabaseTest, AUnitOfWorkCommitsAllOrNothing) {
  auto db = Open();
  ASSERT_TRUE(db);
  PgUnitOfWork unit(*db);
  PgImportTokenStore tokens(*db);
  ImportToken a{Sha256(AsBytes("a")), "k", Bytes{1}, kT + std::chrono::hours(1)};
  ImportToken b{Sha256(AsBytes("b")), "k", Bytes{2}, kT + std::chrono::hours(1)};
  Status failed = unit.Run([&](Tx& tx) -> Status {
    if (auto s = tokens.Add(tx, a, kT); !s) return s;
    return Error{ErrorCode::kConflict, "the caller gives up"};
  });
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM import_tokens"), 0);

  // A failed write rolls back alone; the unit goes on and commits the rest.
  ASSERT_TRUE(unit.Run([&](Tx& tx) -> Status {
    if (auto s = tokens.Add(tx, a, kT); !s) return s;
    EXPECT_FALSE(tokens.Add(tx, a, kT));  // the same key twice: refused by the database
    return tokens.Add(tx, b, kT);
  }));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM import_tokens"), 2);
}

TEST_F(PgDatabaseTest, AWriteRefusesATransactionOfAnotherDatabase) {
  auto db = Open();
  auto other = Open();
  ASSERT_TRUE(db && other);
  PgUnitOfWork unit(*other);
  PgImportTokenStore tokens(*db);
  ImportToken a{Sha256(AsBytes("a")), "k", Bytes{1}, kT + std::chrono::hours(1)};
  Status s = unit.Run([&](Tx& tx) { return tokens.Add(tx, a, kT); });
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("another database"), std::string::npos);
}

TEST_F(PgDatabaseTest, AConnectionTheServerClosedIsReplaced) {
  auto db = Open();
  ASSERT_TRUE(db);
  int64_t pid = Count(*db, "SELECT pg_backend_pid()");
  ASSERT_GT(pid, 0);
  // What a restart of PostgreSQL does to an idle pooled connection.
  auto admin = PgConnection::Connect(pg_.url, pg_.password);
  ASSERT_TRUE(admin);
  PgParams victim;
  victim.Add(pid);
  auto killed = (*admin)->Exec("SELECT pg_terminate_backend($1::integer)", victim, "terminate");
  ASSERT_TRUE(killed) << killed.error().message;
  for (int i = 0; i < 250; ++i) {  // until the backend has exited
    auto left = (*admin)->Exec("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::integer",
                               victim, "wait");
    ASSERT_TRUE(left);
    if (left->Int(0, 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int64_t again = Count(*db, "SELECT pg_backend_pid()");
  EXPECT_GT(again, 0);
  EXPECT_NE(again, pid);
}

TEST_F(PgDatabaseTest, AWrongPasswordIsRefusedWithoutShowingIt) {
  auto db = PgDatabase::Open(PgOptions{pg_.url, "not-the-password-x7", 1});
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("password authentication failed"), std::string::npos)
      << db.error().message;
  EXPECT_EQ(db.error().message.find("not-the-password-x7"), std::string::npos);
}

TEST(PostgresUrl, IsRecognisedAndRedacted) {
  EXPECT_TRUE(IsPostgresUrl("postgresql://h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgres://h/db"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/keybroker/keybroker.db"));
  EXPECT_FALSE(IsPostgresUrl("./postgresql://x"));
  const std::string hidden = " (a password is in the URL; the URL is not shown)";
  EXPECT_EQ(RedactPostgresUrl("postgresql://kb:s3cret@db:5432/kb?sslmode=verify-full"),
            "postgresql://kb@db:5432/kb" + hidden);
  EXPECT_EQ(RedactPostgresUrl("postgresql://kb@db/kb?password=s3cret&sslmode=require"),
            "postgresql://kb@db/kb" + hidden);
  // Percent-encoded as libpq decodes it: the parameter name, and the password itself.
  EXPECT_EQ(RedactPostgresUrl("postgresql://kb@db/kb?pass%77ord=s3cret"),
            "postgresql://kb@db/kb" + hidden);
  EXPECT_EQ(RedactPostgresUrl("postgres://kb:s3%63ret@db/kb"), "postgresql://kb@db/kb" + hidden);
  EXPECT_EQ(RedactPostgresUrl("postgresql://kb:s3cret@[::1/db"),
            "(a PostgreSQL URL that does not parse; not shown)");
  EXPECT_EQ(RedactPostgresUrl("/var/lib/keybroker/keybroker.db"),
            "/var/lib/keybroker/keybroker.db");
  EXPECT_EQ(RedactPostgresUrl("postgresql://db/kb?sslmode=verify-full"),
            "postgresql://db/kb?sslmode=verify-full");
}

TEST(PostgresUrl, AServerOnAnotherHostNeedsVerifiedTls) {
  EXPECT_TRUE(CheckPostgresUrl("postgresql://kb@127.0.0.1:5432/kb"));
  EXPECT_TRUE(CheckPostgresUrl("postgresql://kb@localhost/kb?sslmode=disable"));
  EXPECT_TRUE(CheckPostgresUrl("postgresql:///kb?host=/run/postgresql"));
  EXPECT_TRUE(CheckPostgresUrl("postgresql://kb@db.internal/kb?sslmode=verify-full"));
  EXPECT_TRUE(CheckPostgresUrl("postgresql://kb@h1,h2/kb?sslmode=verify-ca"));
  for (const char* url : {"postgresql://kb@db.internal/kb", "postgresql://kb@db/kb?sslmode=require",
                          "postgresql://kb@127.0.0.1,db2/kb?sslmode=prefer",
                          "postgresql://kb@localhost/kb?hostaddr=10.0.0.5"}) {
    auto s = CheckPostgresUrl(url);
    ASSERT_FALSE(s) << url;
    EXPECT_NE(s.error().message.find("sslmode=verify-full"), std::string::npos);
  }
  auto garbled = CheckPostgresUrl("postgresql://kb:TopSecret1@[::1/db");
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().message.find("TopSecret1"), std::string::npos);
  // libpq's own parse errors quote the URL: never passed on.
  for (const char* url :
       {"postgresql://kb:TopSecret1@[::1/db", "postgresql://kb:Top%zzSecret1@h/db"}) {
    auto conn = PgConnection::Connect(url, "");
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().message.find("Secret1"), std::string::npos) << conn.error().message;
  }
}

}  // namespace
}  // namespace kb::storage
