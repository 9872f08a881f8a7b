// The AccessKeyStore contract: KMS access keys of existing principals, revocable once.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class AccessKeyStoreContract : public StorageContract {
 protected:
  void SetUp() override {
    StorageContract::SetUp();
    ASSERT_TRUE(Commit([&](Tx& tx) {
      return backend().principals().CreatePrincipal(tx, {"app", {"kms-user"}, kT, "test"},
                                                    Row("principal.create", kT));
    }));
  }
  AccessKeyStore& access_keys() { return backend().access_keys(); }
  Status Add(const AccessKeyRecord& key) {
    return Commit([&](Tx& tx) { return access_keys().Add(tx, key, Row("access-key.create")); });
  }
  Status Revoke(std::string_view id, Time at) {
    return Commit(
        [&](Tx& tx) { return access_keys().Revoke(tx, id, at, Row("access-key.revoke")); });
  }
};

TEST_P(AccessKeyStoreContract, KeysOfExistingPrincipalsRoundTripAndRevokeOnce) {
  ASSERT_TRUE(Add({"KBAK1", "app", Bytes{7, 8}, kT, {}, false}));
  EXPECT_FALSE(Add({"KBAK1", "app", Bytes{1}, kT, {}, true}));  // the id is taken
  EXPECT_EQ(Add({"KBAK2", "nobody", Bytes{1}, kT, {}, true}).error().code, ErrorCode::kNotFound);
  auto stored = access_keys().Get("KBAK1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->principal, "app");
  EXPECT_EQ(stored->secret_sealed, (Bytes{7, 8}));
  EXPECT_FALSE(stored->approved);
  EXPECT_FALSE(stored->revoked_at);
  ASSERT_TRUE(Revoke("KBAK1", kT));
  ASSERT_TRUE(Revoke("KBAK1", kT + std::chrono::hours(1)));
  EXPECT_EQ(access_keys().Get("KBAK1")->revoked_at, kT);  // the first revocation time stays
  EXPECT_EQ(Revoke("KBAK9", kT).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(access_keys().Get("KBAK9").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(access_keys().List()->size(), 1u);
  // The principal, the key and two revocations; the refusals wrote no row.
  EXPECT_EQ(backend().audit().Verify()->rows, 4u);
}

KB_STORAGE_CONTRACT(AccessKeyStoreContract);

}  // namespace
}  // namespace kb::storage::contract
