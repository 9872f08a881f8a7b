// The KmsGrantStore contract: grants wait for the quorum, allow only their operations, and are
// revoked at once; proposed attestation changes are numbered per key.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class KmsGrantStoreContract : public StorageContract {
 protected:
  void SetUp() override {
    StorageContract::SetUp();
    ASSERT_TRUE(Commit([&](Tx& tx) {
      return backend().principals().CreatePrincipal(tx, {"app", {"kms-user"}, kT, "test"},
                                                    Row("principal.create", kT));
    }));
    KeyRecord key{"k", "generated", true, 1, kT, "admin", KeyPurpose::kKms, true};
    ASSERT_TRUE(Commit([&](Tx& tx) { return backend().keys().Create(tx, key, Bytes{1}); }));
  }
  KmsGrantStore& grants() { return backend().grants(); }
  Status Add(const KmsGrant& grant) {
    return Commit([&](Tx& tx) { return grants().Add(tx, grant); });
  }
  Result<ApprovalResult> Approve(std::string_view id) {
    return Commit([&](Tx& tx) {
      return backend().approvals().Approve(tx, {ApprovalKind::kKmsGrant, std::string(id), 0},
                                           "alice", 1, kT, Row("kms-grant.approve", kT));
    });
  }
  static KmsGrant Grant(std::string id, std::string principal, std::string key) {
    return {std::move(id), std::move(principal), std::move(key), {"Decrypt"}, "pending", kT,
            "admin",       std::nullopt};
  }
};

TEST_P(KmsGrantStoreContract, AGrantAllowsItsOperationsOnlyOnceApprovedAndUntilRevoked) {
  ASSERT_TRUE(Add(Grant("g1", "app", "k")));
  EXPECT_FALSE(Add(Grant("g1", "app", "k")));  // the id is taken
  EXPECT_EQ(Add(Grant("g2", "nobody", "k")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Add(Grant("g3", "app", "nokey")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(grants().Get("g1")->status, "pending");
  EXPECT_FALSE(*grants().Allows("app", "k", "Decrypt"));
  ASSERT_TRUE(Approve("g1")->activated);
  EXPECT_TRUE(*grants().Allows("app", "k", "Decrypt"));
  EXPECT_FALSE(*grants().Allows("app", "k", "Encrypt"));
  EXPECT_EQ(*grants().GrantedKeys("app"), std::vector<std::string>{"k"});
  ASSERT_TRUE(
      Commit([&](Tx& tx) { return grants().Revoke(tx, "g1", kT, Row("kms-grant.revoke", kT)); }));
  EXPECT_EQ(grants().Get("g1")->status, "revoked");
  EXPECT_EQ(grants().Get("g1")->revoked_at, kT);
  EXPECT_FALSE(*grants().Allows("app", "k", "Decrypt"));
  EXPECT_EQ(
      Commit([&](Tx& tx) { return grants().Revoke(tx, "g9", kT, Row("kms-grant.revoke", kT)); })
          .error()
          .code,
      ErrorCode::kNotFound);
  EXPECT_EQ(grants().List()->size(), 1u);
  EXPECT_EQ(JoinOperations(SplitOperations("Encrypt,Decrypt")), "Encrypt,Decrypt");
}

TEST_P(KmsGrantStoreContract, AttestationProposalsAreNumberedPerKey) {
  auto propose = [&](std::string_view key, bool required) {
    return Commit(
        [&](Tx& tx) { return grants().ProposeAttestation(tx, key, required, "admin", kT); });
  };
  EXPECT_EQ(*propose("k", false), 1);
  EXPECT_EQ(*propose("k", true), 2);
  EXPECT_EQ(propose("nokey", false).error().code, ErrorCode::kKeyNotFound);
  auto changes = grants().AttestationChanges("k");
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_FALSE((*changes)[0].attestation_required);
  EXPECT_TRUE((*changes)[0].superseded);
  EXPECT_FALSE((*changes)[1].superseded);
  EXPECT_FALSE((*changes)[1].applied);
}

KB_STORAGE_CONTRACT(KmsGrantStoreContract);

}  // namespace
}  // namespace kb::storage::contract
