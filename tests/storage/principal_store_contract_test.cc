// The PrincipalStore contract: principals, their tokens and client certificate bindings, each
// change with its audit row.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class PrincipalStoreContract : public StorageContract {
 protected:
  PrincipalStore& principals() { return backend().principals(); }
  Status CreatePrincipal(const PrincipalRecord& p) {
    return Commit([&](Tx& tx) { return principals().CreatePrincipal(tx, p, row_); });
  }
  Status DisablePrincipal(std::string_view name, Time at) {
    return Commit([&](Tx& tx) { return principals().DisablePrincipal(tx, name, at, row_); });
  }
  Status AddToken(const TokenRecord& t) {
    return Commit([&](Tx& tx) { return principals().AddToken(tx, t, row_); });
  }
  Status RevokeToken(std::string_view id, Time at) {
    return Commit([&](Tx& tx) { return principals().RevokeToken(tx, id, at, row_); });
  }
  Status AddCertificate(const ClientCertificateRecord& c) {
    return Commit([&](Tx& tx) { return principals().AddClientCertificate(tx, c, row_); });
  }
  Status RevokeCertificate(std::string_view id, Time at) {
    return Commit([&](Tx& tx) { return principals().RevokeClientCertificate(tx, id, at, row_); });
  }
  Result<ApprovalResult> Approve(const ApprovalSubject& s, std::string_view who) {
    return Commit([&](Tx& tx) { return backend().approvals().Approve(tx, s, who, 2, kT, row_); });
  }

  AuditRecord row_ = Row("test");
};

TEST_P(PrincipalStoreContract, PrincipalsAndTokensRoundTripWithTheirAuditRows) {
  ASSERT_TRUE(CreatePrincipal({"alice", {"admin", "auditor"}, kT, "test"}));
  EXPECT_EQ(CreatePrincipal({"alice", {"admin"}, kT, "test"}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(principals().GetPrincipal("alice")->roles,
            (std::vector<std::string>{"admin", "auditor"}));
  TokenRecord token{"t1", "alice", Sha256(AsBytes("x")), kT, kT + std::chrono::hours(1), {}};
  ASSERT_TRUE(AddToken(token));
  token.principal = "nobody";
  token.id = "t2";
  EXPECT_EQ(AddToken(token).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(RevokeToken("t1", kT));
  ASSERT_TRUE(RevokeToken("t1", kT + std::chrono::hours(2)));
  auto stored = principals().GetToken("t1");
  EXPECT_EQ(stored->revoked_at, kT);  // the first revocation time stays
  EXPECT_EQ(stored->expires_at, kT + std::chrono::hours(1));
  EXPECT_EQ(stored->token_sha256, Sha256(AsBytes("x")));
  EXPECT_EQ(principals().GetToken("t2").error().code, ErrorCode::kNotFound);
  // create, token, two revocations; refusals leave none
  EXPECT_EQ(backend().audit().Verify()->rows, 4u);
  token.id = "t3";
  token.principal = "alice";
  ASSERT_TRUE(AddToken(token));
  ASSERT_TRUE(DisablePrincipal("alice", kT + std::chrono::hours(3)));
  EXPECT_EQ(principals().GetPrincipal("alice")->disabled_at, kT + std::chrono::hours(3));
  EXPECT_EQ(principals().GetToken("t3")->revoked_at, kT + std::chrono::hours(3));
  EXPECT_EQ(principals().GetToken("t1")->revoked_at, kT);  // already revoked: unchanged
  EXPECT_EQ(DisablePrincipal("nobody", kT).error().code, ErrorCode::kNotFound);
}

// A client certificate binding: one per key, ever; approved through the approval store; revoked
// on its own or with its principal.
TEST_P(PrincipalStoreContract, ClientCertificateBindingsAreApprovedRevokedAndBoundOnce) {
  ASSERT_TRUE(CreatePrincipal({"bob", {"approver"}, kT, "test"}));
  ASSERT_TRUE(CreatePrincipal({"eve", {"admin"}, kT, "test"}));
  ClientCertificateRecord cert{"cert:1", "bob", Sha256(AsBytes("k1")), kT, "eve", {}, false};
  ASSERT_TRUE(AddCertificate(cert));
  ClientCertificateRecord again = cert;
  again.principal = "eve";  // the same key, for someone else: refused
  EXPECT_EQ(AddCertificate(again).error().code, ErrorCode::kConflict);
  again.id = "cert:2";  // even under another id: the key itself is bound once
  EXPECT_EQ(AddCertificate(again).error().code, ErrorCode::kConflict);
  ClientCertificateRecord nobody{"cert:3", "nobody", Sha256(AsBytes("k3")), kT, "eve", {}, true};
  EXPECT_EQ(AddCertificate(nobody).error().code, ErrorCode::kNotFound);

  const ApprovalSubject subject{ApprovalKind::kClientCertificate, "cert:1", 0};
  ASSERT_EQ(backend().approvals().Pending(2)->size(), 1u);
  ASSERT_FALSE(Approve(subject, "eve")->activated);
  EXPECT_FALSE(principals().GetClientCertificate("cert:1")->approved);
  ASSERT_TRUE(Approve(subject, "alice")->activated);
  auto stored = principals().GetClientCertificate("cert:1");
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->approved);
  EXPECT_EQ(stored->spki_sha256, Sha256(AsBytes("k1")));
  EXPECT_EQ(stored->created_by, "eve");
  EXPECT_TRUE(backend().approvals().Pending(2)->empty());

  ClientCertificateRecord second{"cert:4", "bob", Sha256(AsBytes("k4")), kT, "eve", {}, false};
  ASSERT_TRUE(AddCertificate(second));
  ASSERT_TRUE(RevokeCertificate("cert:4", kT));
  // A revoked binding is no longer pending and cannot be approved into use.
  EXPECT_TRUE(backend().approvals().Pending(2)->empty());
  EXPECT_EQ(Approve({ApprovalKind::kClientCertificate, "cert:4", 0}, "eve").error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(RevokeCertificate("cert:9", kT).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(DisablePrincipal("bob", kT + std::chrono::hours(1)));
  EXPECT_EQ(principals().GetClientCertificate("cert:1")->revoked_at, kT + std::chrono::hours(1));
  EXPECT_EQ(principals().GetClientCertificate("cert:4")->revoked_at, kT);
  EXPECT_EQ(principals().ListClientCertificates()->size(), 2u);
}

TEST_P(PrincipalStoreContract, AUnitOfWorkSeesItsOwnPrincipals) {
  ASSERT_TRUE(Commit([&](Tx& tx) -> Status {
    EXPECT_TRUE(principals().ListPrincipals(tx)->empty());
    if (auto s = principals().CreatePrincipal(tx, {"alice", {"admin"}, kT, "test"}, row_); !s) {
      return s;
    }
    EXPECT_EQ(principals().ListPrincipals(tx)->size(), 1u);
    return Ok();
  }));
  EXPECT_EQ(principals().ListPrincipals()->size(), 1u);
}

KB_STORAGE_CONTRACT(PrincipalStoreContract);

}  // namespace
}  // namespace kb::storage::contract
