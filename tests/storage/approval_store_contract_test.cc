// The ApprovalStore contract: approvals by distinct principals, and what takes effect at the
// quorum, for every kind of subject.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");
const ApprovalSubject kRef{ApprovalKind::kReference, "ref", 0};

class ApprovalStoreContract : public StorageContract {
 protected:
  void SetUp() override {
    StorageContract::SetUp();
    policy::Reference r{"ref", policy::Platform::kNitroEnclave, {{0, Bytes(48, 1)}}, "ci"};
    r.status = policy::ReferenceStatus::kPending;
    ASSERT_TRUE(Commit([&](Tx& tx) { return backend().references().Add(tx, r); }));
  }
  Result<ApprovalResult> Approve(const ApprovalSubject& s, const std::string& who,
                                 int required = 2) {
    AuditRecord row;
    row.time = kT;
    row.actor = who;
    row.action = "approve";
    return Commit([&](Tx& tx) { return approvals().Approve(tx, s, who, required, kT, row); });
  }
  uint64_t AuditRows() { return backend().audit().Verify()->rows; }
  ApprovalStore& approvals() { return backend().approvals(); }
  ReferenceStore& references() { return backend().references(); }
  PolicyStore& policies() { return backend().policies(); }
  Status SetReference(policy::ReferenceStatus status) {
    return Commit([&](Tx& tx) { return references().SetStatus(tx, "ref", status); });
  }
  int Put(std::string_view source) {
    return *Commit([&](Tx& tx) { return policies().Put(tx, "p", source, "alice", kT); });
  }
};

TEST_P(ApprovalStoreContract, AReferenceTakesEffectAtTheQuorumOfDistinctPrincipals) {
  auto first = Approve(kRef, "alice");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->approvals, 1);
  EXPECT_FALSE(first->activated);
  EXPECT_EQ(references().Get("ref")->status, policy::ReferenceStatus::kPending);
  EXPECT_EQ(Approve(kRef, "alice").error().code, ErrorCode::kConflict);
  EXPECT_EQ(AuditRows(), 1u);  // a refused approval leaves no row
  auto second = Approve(kRef, "bob");
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->activated);
  EXPECT_EQ(references().Get("ref")->status, policy::ReferenceStatus::kActive);
  EXPECT_EQ(Approve(kRef, "carol").error().code, ErrorCode::kConflict);  // not pending
  EXPECT_EQ(*approvals().Approvers(kRef), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(AuditRows(), 2u);
}

TEST_P(ApprovalStoreContract, RevocationDiscardsApprovalsSoAReinstatementStartsAfresh) {
  ASSERT_TRUE(Approve(kRef, "alice"));
  ASSERT_TRUE(SetReference(policy::ReferenceStatus::kRevoked));
  EXPECT_EQ(Approve(kRef, "bob").error().code, ErrorCode::kConflict);  // revoked
  ASSERT_TRUE(SetReference(policy::ReferenceStatus::kPending));
  EXPECT_TRUE(approvals().Approvers(kRef)->empty());
  EXPECT_FALSE(Approve(kRef, "bob")->activated);
  EXPECT_TRUE(Approve(kRef, "alice")->activated);
}

TEST_P(ApprovalStoreContract, APolicyVersionBecomesActiveAtTheQuorum) {
  int v1 = Put("name: p");
  int v2 = Put("name: p # 2");
  ApprovalSubject s1{ApprovalKind::kPolicy, "p", v1}, s2{ApprovalKind::kPolicy, "p", v2};
  EXPECT_TRUE(Approve(s1, "alice", 1)->activated);
  EXPECT_EQ(policies().ListActive()->at(0).version, v1);
  EXPECT_EQ(Approve(s1, "bob", 1).error().code, ErrorCode::kConflict);  // already effective
  ASSERT_TRUE(Approve(s2, "alice"));
  auto pending = approvals().Pending(2);
  ASSERT_TRUE(pending);
  // The reference and version 2; version 1 is active.
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->at(0).subject.kind, ApprovalKind::kPolicy);
  EXPECT_EQ(pending->at(0).subject.version, v2);
  EXPECT_EQ(pending->at(0).approvers, std::vector<std::string>{"alice"});
  EXPECT_TRUE(Approve(s2, "bob")->activated);
  EXPECT_EQ(policies().ListActive()->at(0).version, v2);
  EXPECT_EQ(Approve({ApprovalKind::kPolicy, "p", 9}, "bob").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Approve({ApprovalKind::kPolicy, "q", 1}, "bob").error().code, ErrorCode::kNotFound);
}

TEST_P(ApprovalStoreContract, EveryKindHasItsOwnNameAndState) {
  for (ApprovalKind kind :
       {ApprovalKind::kReference, ApprovalKind::kPolicy, ApprovalKind::kAttestationKey,
        ApprovalKind::kPolicyActivation, ApprovalKind::kPrincipal, ApprovalKind::kToken,
        ApprovalKind::kAccessKey, ApprovalKind::kKmsGrant, ApprovalKind::kKeyAttestation,
        ApprovalKind::kKeyEnable, ApprovalKind::kClientCertificate}) {
    EXPECT_EQ(ParseApprovalKind(ApprovalKindName(kind)), kind) << ApprovalKindName(kind);
    // Each kind's state is looked up in the storage: an unknown subject is not found.
    EXPECT_EQ(Approve({kind, "nobody", 1}, "alice").error().code, ErrorCode::kNotFound)
        << ApprovalKindName(kind);
  }
  EXPECT_FALSE(ParseApprovalKind("root"));
}

// A request to make an approved version active again waits for the quorum; the change of the
// active version voids every other request, with its approvals.
TEST_P(ApprovalStoreContract, AnActivationRequestTakesEffectAtTheQuorumAndDiesWithAnyChange) {
  int v1 = Put("name: p");
  int v2 = Put("name: p");
  auto request = [&](int version) {
    return Commit(
        [&](Tx& tx) { return policies().RequestActivation(tx, "p", version, "alice", kT); });
  };
  ASSERT_TRUE(Commit([&](Tx& tx) { return policies().Activate(tx, "p", v2); }));
  const ApprovalSubject back{ApprovalKind::kPolicyActivation, "p", v1};
  EXPECT_EQ(Approve(back, "alice").error().code, ErrorCode::kConflict);  // not requested
  ASSERT_TRUE(request(v1));
  EXPECT_TRUE(*policies().ActivationRequested("p", v1));
  ASSERT_FALSE(Approve(back, "alice")->activated);
  EXPECT_FALSE(policies().Get("p", v1)->active);
  EXPECT_EQ(Approve(back, "alice").error().code, ErrorCode::kConflict);
  ASSERT_TRUE(Approve(back, "bob")->activated);
  EXPECT_TRUE(policies().Get("p", v1)->active);
  EXPECT_FALSE(*policies().ActivationRequested("p", v1));

  // A new request starts from no approvals; deactivating voids it.
  ASSERT_TRUE(request(v2));
  ASSERT_FALSE(Approve({ApprovalKind::kPolicyActivation, "p", v2}, "alice")->activated);
  ASSERT_TRUE(Commit([&](Tx& tx) { return policies().Deactivate(tx, "p"); }));
  EXPECT_FALSE(*policies().ActivationRequested("p", v2));
  EXPECT_TRUE(approvals().Approvers({ApprovalKind::kPolicyActivation, "p", v2})->empty());
  EXPECT_EQ(approvals().Pending(2)->size(), 1u);  // the reference; both versions were approved
}

// Raising approvals_required must not turn versions approved under the old quorum into pending
// ones that one more principal can "approve" back into force (a rollback by one person).
TEST_P(ApprovalStoreContract, AVersionApprovedUnderASmallerQuorumStaysApprovedWhenItIsRaised) {
  int v1 = Put("name: p");
  ASSERT_TRUE(Approve({ApprovalKind::kPolicy, "p", v1}, "alice", 1)->activated);
  int v2 = Put("name: p");
  ASSERT_TRUE(Approve({ApprovalKind::kPolicy, "p", v2}, "alice", 1)->activated);
  EXPECT_TRUE(policies().Get("p", v1)->approved);
  auto again = Approve({ApprovalKind::kPolicy, "p", v1}, "bob", 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "policy p version 1 is approved");
  EXPECT_TRUE(policies().Get("p", v2)->active);
  auto pending = approvals().Pending(2);
  ASSERT_TRUE(pending);
  for (const auto& item : *pending) {
    EXPECT_NE(item.subject.kind, ApprovalKind::kPolicy) << item.subject.name;
  }
}

KB_STORAGE_CONTRACT(ApprovalStoreContract);

}  // namespace
}  // namespace kb::storage::contract
