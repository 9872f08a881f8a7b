// The PolicyStore contract: numbered versions of each policy, at most one active.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

class PolicyStoreContract : public StorageContract {
 protected:
  PolicyStore& policies() { return backend().policies(); }
  Result<int> Put(std::string_view name, std::string_view source, std::string_view by, Time t) {
    return Commit([&](Tx& tx) { return policies().Put(tx, name, source, by, t); });
  }
  Status Activate(std::string_view name, int version) {
    return Commit([&](Tx& tx) { return policies().Activate(tx, name, version); });
  }
};

TEST_P(PolicyStoreContract, KeepsEveryVersionWithOneActive) {
  Time t = *ParseRfc3339("2026-06-01T00:00:00Z");
  EXPECT_EQ(*Put("p", "v1", "alice", t), 1);
  EXPECT_EQ(*Put("p", "v2", "bob", t), 2);
  EXPECT_EQ(*Put("q", "q1", "bob", t), 1);
  EXPECT_TRUE(policies().ListActive()->empty());  // a new version is inactive until activated

  ASSERT_TRUE(Activate("p", 2));
  ASSERT_TRUE(Activate("q", 1));
  auto active = policies().ListActive();
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0].source, "v2");

  ASSERT_TRUE(Activate("p", 1));  // roll back
  auto versions = policies().Versions("p");
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_TRUE((*versions)[0].active);
  EXPECT_FALSE((*versions)[1].active);
  EXPECT_EQ((*versions)[1].created_by, "bob");
  EXPECT_EQ(policies().Get("p", 2)->source, "v2");
}

TEST_P(PolicyStoreContract, UnknownVersionsAreNotFound) {
  ASSERT_TRUE(Put("p", "v1", "alice", Time{}));
  EXPECT_EQ(Activate("p", 7).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Activate("zz", 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(policies().Get("p", 2).error().code, ErrorCode::kNotFound);
}

TEST_P(PolicyStoreContract, DeactivateRemovesFromActive) {
  ASSERT_TRUE(Put("p", "v1", "alice", Time{}));
  ASSERT_TRUE(Activate("p", 1));
  ASSERT_TRUE(Commit([&](Tx& tx) { return policies().Deactivate(tx, "p"); }));
  EXPECT_TRUE(policies().ListActive()->empty());
  EXPECT_EQ(policies().Versions("p")->size(), 1u);
}

TEST_P(PolicyStoreContract, SurvivesReopening) {
  ASSERT_TRUE(Put("p", "v1", "alice", Time{}));
  ASSERT_TRUE(Activate("p", 1));
  backend().Reopen();
  ASSERT_EQ(policies().ListActive()->size(), 1u);
  EXPECT_EQ(*Put("p", "v2", "alice", Time{}), 2);
}

KB_STORAGE_CONTRACT(PolicyStoreContract);

}  // namespace
}  // namespace kb::storage::contract
