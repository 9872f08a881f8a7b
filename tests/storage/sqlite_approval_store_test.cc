#include "storage/sqlite_approval_store.h"

#include <gtest/gtest.h>

#include "storage/sqlite_attestation_key_store.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_reference_store.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class ApprovalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::Open(testing::MakeTempDir() + "/kb.db")).value();
    audit_ = std::make_unique<SqliteAuditLog>(*db_);
    approvals_ = std::make_unique<SqliteApprovalStore>(*db_, *audit_);
    references_ = std::make_unique<SqliteReferenceStore>(*db_);
    policies_ = std::make_unique<SqlitePolicyStore>(*db_);
    aks_ = std::make_unique<SqliteAttestationKeyStore>(*db_, *audit_);
    policy::Reference r{"ref", policy::Platform::kNitroEnclave, {{0, Bytes(48, 1)}}, "ci"};
    r.status = policy::ReferenceStatus::kPending;
    ASSERT_TRUE(references_->Add(r));
  }
  Result<ApprovalResult> Approve(const ApprovalSubject& s, const std::string& who,
                                 int required = 2) {
    AuditRecord row;
    row.time = kT;
    row.actor = who;
    row.action = "approve";
    return approvals_->Approve(s, who, required, kT, row);
  }
  uint64_t AuditRows() { return audit_->Verify()->rows; }

  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteAuditLog> audit_;
  std::unique_ptr<SqliteApprovalStore> approvals_;
  std::unique_ptr<SqliteReferenceStore> references_;
  std::unique_ptr<SqlitePolicyStore> policies_;
  std::unique_ptr<SqliteAttestationKeyStore> aks_;
};

const ApprovalSubject kRef{ApprovalKind::kReference, "ref", 0};

TEST_F(ApprovalStoreTest, AReferenceTakesEffectAtTheQuorumOfDistinctPrincipals) {
  auto first = Approve(kRef, "alice");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->approvals, 1);
  EXPECT_FALSE(first->activated);
  EXPECT_EQ(references_->Get("ref")->status, policy::ReferenceStatus::kPending);
  EXPECT_EQ(Approve(kRef, "alice").error().code, ErrorCode::kConflict);
  EXPECT_EQ(AuditRows(), 1u);  // a refused approval leaves no row
  auto second = Approve(kRef, "bob");
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->activated);
  EXPECT_EQ(references_->Get("ref")->status, policy::ReferenceStatus::kActive);
  EXPECT_EQ(Approve(kRef, "carol").error().code, ErrorCode::kConflict);  // not pending
  EXPECT_EQ(*approvals_->Approvers(kRef), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(AuditRows(), 2u);
}

TEST_F(ApprovalStoreTest, RevocationDiscardsApprovalsSoAReinstatementStartsAfresh) {
  ASSERT_TRUE(Approve(kRef, "alice"));
  ASSERT_TRUE(references_->SetStatus("ref", policy::ReferenceStatus::kRevoked));
  EXPECT_EQ(Approve(kRef, "bob").error().code, ErrorCode::kConflict);  // revoked
  ASSERT_TRUE(references_->SetStatus("ref", policy::ReferenceStatus::kPending));
  EXPECT_TRUE(approvals_->Approvers(kRef)->empty());
  EXPECT_FALSE(Approve(kRef, "bob")->activated);
  EXPECT_TRUE(Approve(kRef, "alice")->activated);
}

TEST_F(ApprovalStoreTest, APolicyVersionBecomesActiveAtTheQuorum) {
  int v1 = *policies_->Put("p", "name: p", "alice", kT);
  int v2 = *policies_->Put("p", "name: p # 2", "alice", kT);
  ApprovalSubject s1{ApprovalKind::kPolicy, "p", v1}, s2{ApprovalKind::kPolicy, "p", v2};
  EXPECT_TRUE(Approve(s1, "alice", 1)->activated);
  EXPECT_EQ(policies_->ListActive()->at(0).version, v1);
  EXPECT_EQ(Approve(s1, "bob", 1).error().code, ErrorCode::kConflict);  // already effective
  ASSERT_TRUE(Approve(s2, "alice"));
  auto pending = approvals_->Pending(2);
  ASSERT_TRUE(pending);
  // The reference and version 2; version 1 is active.
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->at(0).subject.kind, ApprovalKind::kPolicy);
  EXPECT_EQ(pending->at(0).subject.version, v2);
  EXPECT_EQ(pending->at(0).approvers, std::vector<std::string>{"alice"});
  EXPECT_TRUE(Approve(s2, "bob")->activated);
  EXPECT_EQ(policies_->ListActive()->at(0).version, v2);
  EXPECT_EQ(Approve({ApprovalKind::kPolicy, "p", 9}, "bob").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Approve({ApprovalKind::kPolicy, "q", 1}, "bob").error().code, ErrorCode::kNotFound);
}

TEST_F(ApprovalStoreTest, AttestationKeysArePendingUntilApprovedAndRevocable) {
  AuditRecord row;
  row.action = "ak.register";
  ASSERT_TRUE(aks_->Add({"ak:1", Bytes{1}, "pending", "", kT, "alice"}, row));
  EXPECT_EQ(aks_->Add({"ak:1", Bytes{1}, "pending", "", kT, "alice"}, row).error().code,
            ErrorCode::kConflict);
  ApprovalSubject ak{ApprovalKind::kAttestationKey, "ak:1", 0};
  ASSERT_TRUE(Approve(ak, "alice"));
  EXPECT_TRUE(Approve(ak, "bob")->activated);
  EXPECT_EQ(aks_->List()->at(0).status, "active");
  ASSERT_TRUE(aks_->Revoke("ak:1", row));
  EXPECT_EQ(aks_->List()->at(0).status, "revoked");
  EXPECT_EQ(Approve(ak, "carol").error().code, ErrorCode::kConflict);
  EXPECT_EQ(aks_->Revoke("ak:2", row).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Approve({ApprovalKind::kAttestationKey, "ak:2", 0}, "bob").error().code,
            ErrorCode::kNotFound);
}

TEST_F(ApprovalStoreTest, EveryKindHasItsOwnNameAndSql) {
  for (ApprovalKind kind :
       {ApprovalKind::kReference, ApprovalKind::kPolicy, ApprovalKind::kAttestationKey,
        ApprovalKind::kPolicyActivation, ApprovalKind::kPrincipal, ApprovalKind::kToken,
        ApprovalKind::kAccessKey, ApprovalKind::kKmsGrant, ApprovalKind::kKeyAttestation,
        ApprovalKind::kKeyEnable, ApprovalKind::kClientCertificate}) {
    EXPECT_EQ(ParseApprovalKind(ApprovalKindName(kind)), kind) << ApprovalKindName(kind);
    // Each kind's state query runs against the schema: an unknown subject is not found.
    EXPECT_EQ(Approve({kind, "nobody", 1}, "alice").error().code, ErrorCode::kNotFound)
        << ApprovalKindName(kind);
  }
  EXPECT_FALSE(ParseApprovalKind("root"));
}

// A request to make an approved version active again waits for the quorum; the change of the
// active version voids every other request, with its approvals.
TEST_F(ApprovalStoreTest, AnActivationRequestTakesEffectAtTheQuorumAndDiesWithAnyChange) {
  int v1 = *policies_->Put("p", "name: p", "alice", kT);
  int v2 = *policies_->Put("p", "name: p", "alice", kT);
  ASSERT_TRUE(policies_->Activate("p", v2));
  const ApprovalSubject back{ApprovalKind::kPolicyActivation, "p", v1};
  EXPECT_EQ(Approve(back, "alice").error().code, ErrorCode::kConflict);  // not requested
  ASSERT_TRUE(policies_->RequestActivation("p", v1, "alice", kT));
  EXPECT_TRUE(*policies_->ActivationRequested("p", v1));
  ASSERT_FALSE(Approve(back, "alice")->activated);
  EXPECT_FALSE(policies_->Get("p", v1)->active);
  EXPECT_EQ(Approve(back, "alice").error().code, ErrorCode::kConflict);
  ASSERT_TRUE(Approve(back, "bob")->activated);
  EXPECT_TRUE(policies_->Get("p", v1)->active);
  EXPECT_FALSE(*policies_->ActivationRequested("p", v1));

  // A new request starts from no approvals; deactivating voids it.
  ASSERT_TRUE(policies_->RequestActivation("p", v2, "alice", kT));
  ASSERT_FALSE(Approve({ApprovalKind::kPolicyActivation, "p", v2}, "alice")->activated);
  ASSERT_TRUE(policies_->Deactivate("p"));
  EXPECT_FALSE(*policies_->ActivationRequested("p", v2));
  EXPECT_TRUE(approvals_->Approvers({ApprovalKind::kPolicyActivation, "p", v2})->empty());
  EXPECT_EQ(approvals_->Pending(2)->size(), 1u);  // the reference; both versions were approved
}

// Raising approvals_required must not turn versions approved under the old quorum into pending
// ones that one more principal can "approve" back into force (a rollback by one person).
TEST_F(ApprovalStoreTest, AVersionApprovedUnderASmallerQuorumStaysApprovedWhenItIsRaised) {
  int v1 = *policies_->Put("p", "name: p", "alice", kT);
  ASSERT_TRUE(Approve({ApprovalKind::kPolicy, "p", v1}, "alice", 1)->activated);
  int v2 = *policies_->Put("p", "name: p", "alice", kT);
  ASSERT_TRUE(Approve({ApprovalKind::kPolicy, "p", v2}, "alice", 1)->activated);
  EXPECT_TRUE(policies_->Get("p", v1)->approved);
  auto again = Approve({ApprovalKind::kPolicy, "p", v1}, "bob", 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "policy p version 1 is approved");
  EXPECT_TRUE(policies_->Get("p", v2)->active);
  auto pending = approvals_->Pending(2);
  ASSERT_TRUE(pending);
  for (const auto& item : *pending) {
    EXPECT_NE(item.subject.kind, ApprovalKind::kPolicy) << item.subject.name;
  }
}

}  // namespace
}  // namespace kb::storage
