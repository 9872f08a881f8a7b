#include "storage/sqlite_principal_store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kb::storage
