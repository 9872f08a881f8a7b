#include "storage/sqlite_key_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::Open(testing::MakeTempDir() + "/kb.db")).value();
    store_ = std::make_unique<SqliteKeyStore>(*db_);
  }
  KeyRecord Key(const std::string& id) { return {id, "generated", true, 1, Time{}, "alice"}; }
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteKeyStore> store_;
};

TEST_F(KeyStoreTest, CreatesRotatesAndKeepsOldVersions) {
  ASSERT_TRUE(store_->Create(Key("k"), Bytes{1}));
  EXPECT_EQ(store_->Create(Key("k"), Bytes{1}).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store_->AddVersion("k", 2, Bytes{2}, Time{}));
  auto key = store_->Get("k");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->current_version, 2u);
  EXPECT_EQ(*store_->GetSealed("k", 1), Bytes{1});
  EXPECT_EQ(*store_->GetSealed("k", 2), Bytes{2});
}

TEST_F(KeyStoreTest, OnlyTheNextVersionCanBeAdded) {
  ASSERT_TRUE(store_->Create(Key("k"), Bytes{1}));
  EXPECT_EQ(store_->AddVersion("k", 3, Bytes{3}, Time{}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->AddVersion("k", 1, Bytes{3}, Time{}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->AddVersion("nope", 2, Bytes{3}, Time{}).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(store_->Get("k")->current_version, 1u);
}

TEST_F(KeyStoreTest, EnablesDisablesAndReportsMissingKeys) {
  ASSERT_TRUE(store_->Create(Key("k"), Bytes{1}));
  ASSERT_TRUE(store_->SetEnabled("k", false));
  EXPECT_FALSE(store_->Get("k")->enabled);
  EXPECT_EQ(store_->SetEnabled("x", false).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(store_->Get("x").error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(store_->GetSealed("k", 9).error().code, ErrorCode::kKeyNotFound);
  ASSERT_TRUE(store_->Create(Key("a"), Bytes{1}));
  auto all = store_->List();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
}

}  // namespace
}  // namespace kb::storage
