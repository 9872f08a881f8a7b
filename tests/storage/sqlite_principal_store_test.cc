#include "storage/sqlite_principal_store.h"

#include <gtest/gtest.h>

#include "storage/sqlite_approval_store.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

TEST(PrincipalStoreTest, PrincipalsAndTokensRoundTripWithTheirAuditRows) {
  auto db = std::move(Database::Open(testing::MakeTempDir() + "/kb.db")).value();
  SqliteAuditLog audit(*db);
  SqlitePrincipalStore principals(*db, audit);
  AuditRecord row;
  row.action = "principal.create";
  ASSERT_TRUE(principals.CreatePrincipal({"alice", {"admin", "auditor"}, kT, "test"}, row));
  EXPECT_EQ(principals.CreatePrincipal({"alice", {"admin"}, kT, "test"}, row).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(principals.GetPrincipal("alice")->roles,
            (std::vector<std::string>{"admin", "auditor"}));
  TokenRecord token{"t1", "alice", Sha256(AsBytes("x")), kT, kT + std::chrono::hours(1), {}};
  ASSERT_TRUE(principals.AddToken(token, row));
  token.principal = "nobody";
  token.id = "t2";
  EXPECT_EQ(principals.AddToken(token, row).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(principals.RevokeToken("t1", kT, row));
  ASSERT_TRUE(principals.RevokeToken("t1", kT + std::chrono::hours(2), row));
  auto stored = principals.GetToken("t1");
  EXPECT_EQ(stored->revoked_at, kT);  // the first revocation time stays
  EXPECT_EQ(stored->expires_at, kT + std::chrono::hours(1));
  EXPECT_EQ(stored->token_sha256, Sha256(AsBytes("x")));
  EXPECT_EQ(principals.GetToken("t2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(audit.Verify()->rows, 4u);  // create, token, two revocations; refusals leave none
  token.id = "t3";
  token.principal = "alice";
  ASSERT_TRUE(principals.AddToken(token, row));
  ASSERT_TRUE(principals.DisablePrincipal("alice", kT + std::chrono::hours(3), row));
  EXPECT_EQ(principals.GetPrincipal("alice")->disabled_at, kT + std::chrono::hours(3));
  EXPECT_EQ(principals.GetToken("t3")->revoked_at, kT + std::chrono::hours(3));
  EXPECT_EQ(principals.GetToken("t1")->revoked_at, kT);  // already revoked: unchanged
  EXPECT_EQ(principals.DisablePrincipal("nobody", kT, row).error().code, ErrorCode::kNotFound);
}

// A client certificate binding: one per key, ever; approved through the approval store; revoked
// on its own or with its principal.
TEST(PrincipalStoreTest, ClientCertificateBindingsAreApprovedRevokedAndBoundOnce) {
  auto db = std::move(Database::Open(testing::MakeTempDir() + "/kb.db")).value();
  SqliteAuditLog audit(*db);
  SqlitePrincipalStore principals(*db, audit);
  SqliteApprovalStore approvals(*db, audit);
  AuditRecord row;
  row.action = "test";
  ASSERT_TRUE(principals.CreatePrincipal({"bob", {"approver"}, kT, "test"}, row));
  ASSERT_TRUE(principals.CreatePrincipal({"eve", {"admin"}, kT, "test"}, row));
  ClientCertificateRecord cert{"cert:1", "bob", Sha256(AsBytes("k1")), kT, "eve", {}, false};
  ASSERT_TRUE(principals.AddClientCertificate(cert, row));
  ClientCertificateRecord again = cert;
  again.principal = "eve";  // the same key, for someone else: refused
  EXPECT_EQ(principals.AddClientCertificate(again, row).error().code, ErrorCode::kConflict);
  again.id = "cert:2";  // even under another id: the key itself is bound once
  EXPECT_EQ(principals.AddClientCertificate(again, row).error().code, ErrorCode::kConflict);
  ClientCertificateRecord nobody{"cert:3", "nobody", Sha256(AsBytes("k3")), kT, "eve", {}, true};
  EXPECT_EQ(principals.AddClientCertificate(nobody, row).error().code, ErrorCode::kNotFound);

  const ApprovalSubject subject{ApprovalKind::kClientCertificate, "cert:1", 0};
  ASSERT_EQ(approvals.Pending(2)->size(), 1u);
  ASSERT_FALSE(approvals.Approve(subject, "eve", 2, kT, row)->activated);
  EXPECT_FALSE(principals.GetClientCertificate("cert:1")->approved);
  ASSERT_TRUE(approvals.Approve(subject, "alice", 2, kT, row)->activated);
  auto stored = principals.GetClientCertificate("cert:1");
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->approved);
  EXPECT_EQ(stored->spki_sha256, Sha256(AsBytes("k1")));
  EXPECT_EQ(stored->created_by, "eve");
  EXPECT_TRUE(approvals.Pending(2)->empty());

  ClientCertificateRecord second{"cert:4", "bob", Sha256(AsBytes("k4")), kT, "eve", {}, false};
  ASSERT_TRUE(principals.AddClientCertificate(second, row));
  ASSERT_TRUE(principals.RevokeClientCertificate("cert:4", kT, row));
  // A revoked binding is no longer pending and cannot be approved into use.
  EXPECT_TRUE(approvals.Pending(2)->empty());
  EXPECT_EQ(approvals.Approve({ApprovalKind::kClientCertificate, "cert:4", 0}, "eve", 2, kT, row)
                .error()
                .code,
            ErrorCode::kConflict);
  EXPECT_EQ(principals.RevokeClientCertificate("cert:9", kT, row).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(principals.DisablePrincipal("bob", kT + std::chrono::hours(1), row));
  EXPECT_EQ(principals.GetClientCertificate("cert:1")->revoked_at, kT + std::chrono::hours(1));
  EXPECT_EQ(principals.GetClientCertificate("cert:4")->revoked_at, kT);
  EXPECT_EQ(principals.ListClientCertificates()->size(), 2u);
}

}  // namespace
}  // namespace kb::storage
