// What the SQLite unit of work adds to the UnitOfWork contract (unit_of_work_contract_test.cc):
// a store writes only through a transaction on its own database.

#include "storage/sqlite_unit_of_work.h"

#include <gtest/gtest.h>

#include "storage/sqlite_key_store.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

TEST(SqliteUnitOfWork, AStoreRefusesATransactionOfAnotherDatabase) {
  auto mine = std::move(Database::Open(testing::MakeTempDir() + "/mine.db")).value();
  auto other = std::move(Database::Open(testing::MakeTempDir() + "/other.db")).value();
  SqliteKeyStore keys(*mine);
  SqliteUnitOfWork other_work(*other);
  auto written = other_work.Run([&](Tx& tx) {
    return keys.Create(tx, {"k", "generated", true, 1, Time{}, "admin"}, Bytes{1});
  });
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInternal);
  EXPECT_EQ(keys.Get("k").error().code, ErrorCode::kKeyNotFound);
}

}  // namespace
}  // namespace kb::storage
