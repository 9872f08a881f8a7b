#include "storage/sqlite_policy_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::MakeTempDir() + "/kb.db";
    auto db = Database::Open(path_);
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    store_ = std::make_unique<SqlitePolicyStore>(*db_);
  }
  std::string path_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqlitePolicyStore> store_;
};

TEST_F(PolicyStoreTest, KeepsEveryVersionWithOneActive) {
  Time t = *ParseRfc3339("2026-06-01T00:00:00Z");
  EXPECT_EQ(*store_->Put("p", "v1", "alice", t), 1);
  EXPECT_EQ(*store_->Put("p", "v2", "bob", t), 2);
  EXPECT_EQ(*store_->Put("q", "q1", "bob", t), 1);
  EXPECT_TRUE(store_->ListActive()->empty());  // a new version is inactive until activated

  ASSERT_TRUE(store_->Activate("p", 2));
  ASSERT_TRUE(store_->Activate("q", 1));
  auto active = store_->ListActive();
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0].source, "v2");

  ASSERT_TRUE(store_->Activate("p", 1));  // roll back
  auto versions = store_->Versions("p");
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_TRUE((*versions)[0].active);
  EXPECT_FALSE((*versions)[1].active);
  EXPECT_EQ((*versions)[1].created_by, "bob");
  EXPECT_EQ(store_->Get("p", 2)->source, "v2");
}

TEST_F(PolicyStoreTest, UnknownVersionsAreNotFound) {
  ASSERT_TRUE(store_->Put("p", "v1", "alice", Time{}));
  EXPECT_EQ(store_->Activate("p", 7).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Activate("zz", 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("p", 2).error().code, ErrorCode::kNotFound);
}

TEST_F(PolicyStoreTest, DeactivateRemovesFromActive) {
  ASSERT_TRUE(store_->Put("p", "v1", "alice", Time{}));
  ASSERT_TRUE(store_->Activate("p", 1));
  ASSERT_TRUE(store_->Deactivate("p"));
  EXPECT_TRUE(store_->ListActive()->empty());
  EXPECT_EQ(store_->Versions("p")->size(), 1u);
}

TEST_F(PolicyStoreTest, SurvivesReopening) {
  ASSERT_TRUE(store_->Put("p", "v1", "alice", Time{}));
  ASSERT_TRUE(store_->Activate("p", 1));
  store_.reset();
  db_.reset();
  auto db = Database::Open(path_);
  ASSERT_TRUE(db);
  SqlitePolicyStore reopened(**db);
  ASSERT_EQ(reopened.ListActive()->size(), 1u);
  EXPECT_EQ(*reopened.Put("p", "v2", "alice", Time{}), 2);
}

}  // namespace
}  // namespace kb::storage
