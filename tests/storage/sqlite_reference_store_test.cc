#include "storage/sqlite_reference_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class ReferenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(testing::MakeTempDir() + "/kb.db");
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    store_ = std::make_unique<SqliteReferenceStore>(*db_);
  }
  policy::Reference Ref(const std::string& name) {
    policy::Reference r{
        name, policy::Platform::kNitroEnclave, {{0, Bytes(48, 1)}, {2, Bytes(48, 2)}}, "ci"};
    r.created_at = *ParseRfc3339("2026-06-01T00:00:00Z");
    r.created_by = "alice";
    return r;
  }
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteReferenceStore> store_;
};

TEST_F(ReferenceStoreTest, RoundTripsEveryField) {
  ASSERT_TRUE(store_->Add(Ref("payments@1.4.2")));
  auto r = store_->Get("payments@1.4.2");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->platform, policy::Platform::kNitroEnclave);
  EXPECT_EQ(r->pcrs.size(), 2u);
  EXPECT_EQ(r->pcrs.at(2), Bytes(48, 2));
  EXPECT_EQ(r->source, "ci");
  EXPECT_EQ(r->created_by, "alice");
  EXPECT_EQ(r->created_at, *ParseRfc3339("2026-06-01T00:00:00Z"));
  EXPECT_EQ(r->status, policy::ReferenceStatus::kActive);
}

TEST_F(ReferenceStoreTest, NamesAreUnique) {
  ASSERT_TRUE(store_->Add(Ref("a")));
  auto again = store_->Add(Ref("a"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_F(ReferenceStoreTest, RevocationIsVisibleToTheNextLoad) {
  ASSERT_TRUE(store_->Add(Ref("a")));
  ASSERT_TRUE(store_->Add(Ref("b")));
  ASSERT_TRUE(store_->SetStatus("a", policy::ReferenceStatus::kRevoked));
  auto all = store_->LoadAll();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->at("a").status, policy::ReferenceStatus::kRevoked);
  EXPECT_EQ(all->at("b").status, policy::ReferenceStatus::kActive);
  EXPECT_EQ(store_->SetStatus("zz", policy::ReferenceStatus::kRevoked).error().code,
            ErrorCode::kNotFound);
}

TEST_F(ReferenceStoreTest, UnknownNameIsNotFound) {
  EXPECT_EQ(store_->Get("nope").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(ReferenceStoreTest, DatabaseChecksRejectImpossibleValues) {
  policy::Reference bad = Ref("bad");
  bad.pcrs[5] = Bytes(7, 0);  // the CHECK on value length refuses it; nothing is half-written
  EXPECT_FALSE(store_->Add(bad));
  EXPECT_EQ(store_->Get("bad").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kb::storage
