// The AttestationKeyStore contract: registered keys wait for the quorum and can be revoked.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class AttestationKeyStoreContract : public StorageContract {
 protected:
  AttestationKeyStore& aks() { return backend().attestation_keys(); }
  Status Add(const AttestationKeyRecord& key) {
    return Commit([&](Tx& tx) { return aks().Add(tx, key, Row("ak.register", kT)); });
  }
  Status Revoke(std::string_view id) {
    return Commit([&](Tx& tx) { return aks().Revoke(tx, id, Row("ak.revoke", kT)); });
  }
  Result<ApprovalResult> Approve(const ApprovalSubject& s, const std::string& who) {
    return Commit([&](Tx& tx) {
      return backend().approvals().Approve(tx, s, who, 2, kT, Row("approve", kT));
    });
  }
};

TEST_P(AttestationKeyStoreContract, AttestationKeysArePendingUntilApprovedAndRevocable) {
  ASSERT_TRUE(Add({"ak:1", Bytes{1}, "pending", "", kT, "alice"}));
  EXPECT_EQ(Add({"ak:1", Bytes{1}, "pending", "", kT, "alice"}).error().code, ErrorCode::kConflict);
  ApprovalSubject ak{ApprovalKind::kAttestationKey, "ak:1", 0};
  ASSERT_TRUE(Approve(ak, "alice"));
  EXPECT_TRUE(Approve(ak, "bob")->activated);
  EXPECT_EQ(aks().List()->at(0).status, "active");
  ASSERT_TRUE(Revoke("ak:1"));
  EXPECT_EQ(aks().List()->at(0).status, "revoked");
  EXPECT_EQ(Approve(ak, "carol").error().code, ErrorCode::kConflict);
  EXPECT_EQ(Revoke("ak:2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Approve({ApprovalKind::kAttestationKey, "ak:2", 0}, "bob").error().code,
            ErrorCode::kNotFound);
}

TEST_P(AttestationKeyStoreContract, EachChangeCommitsWithItsAuditRowAndARefusalWithNone) {
  ASSERT_TRUE(Add({"ak:1", Bytes{1, 2}, "pending", "ci key", kT, "alice"}));
  EXPECT_FALSE(Add({"ak:1", Bytes{1}, "pending", "", kT, "alice"}));
  ASSERT_TRUE(Revoke("ak:1"));
  EXPECT_FALSE(Revoke("ak:2"));
  auto rows = backend().audit().Read(0, 10);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].action, "ak.register");
  EXPECT_EQ((*rows)[1].action, "ak.revoke");
  auto stored = aks().List()->at(0);
  EXPECT_EQ(stored.public_key, (Bytes{1, 2}));
  EXPECT_EQ(stored.description, "ci key");
  EXPECT_EQ(stored.created_by, "alice");
}

KB_STORAGE_CONTRACT(AttestationKeyStoreContract);

}  // namespace
}  // namespace kb::storage::contract
