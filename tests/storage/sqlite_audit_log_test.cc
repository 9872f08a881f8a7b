// What the SQLite audit log adds to the AuditLog contract (audit_log_contract_test.cc): the
// chain catches rows edited or deleted behind its back.

#include "storage/sqlite_audit_log.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::MakeTempDir() + "/kb.db";
    db_ = std::move(Database::Open(path_)).value();
    log_ = std::make_unique<SqliteAuditLog>(*db_);
  }
  AuditRecord Row(const std::string& key) {
    AuditRecord r;
    r.time = *ParseRfc3339("2026-06-01T00:00:00Z");
    r.actor = "attested:i-0abc";
    r.action = "release";
    r.key_id = key;
    r.key_version = 1;
    r.policy = "p";
    r.policy_version = 2;
    r.evidence_type = "nitro-enclave";
    r.evidence_sha256 = Bytes(32, 1);
    r.claims_sha256 = Bytes(32, 2);
    r.decision = "allow";
    r.reasons = "allow rule allow[0] matched";
    r.request_id = "req-" + key;
    return r;
  }
  void Sql(const char* sql) {
    auto lock = db_->lock();
    ASSERT_TRUE(db_->Exec(sql));
  }
  std::string path_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteAuditLog> log_;
};

TEST_F(AuditLogTest, DetectsAnEditedRow) {
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(log_->Append(Row(k)));
  Sql("UPDATE audit_log SET decision = 'deny' WHERE seq = 2");
  auto v = log_->Verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_at, 2u);
  EXPECT_EQ(v->reason, "row hash does not match its fields");
}

TEST_F(AuditLogTest, DetectsADeletedRow) {
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(log_->Append(Row(k)));
  Sql("DELETE FROM audit_log WHERE seq = 2");
  auto v = log_->Verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_at, 3u);
  EXPECT_EQ(v->reason, "sequence gap before this row");
}

TEST_F(AuditLogTest, DetectsARewrittenTail) {
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(log_->Append(Row(k)));
  // Deleting the last row and the ones after a point leaves a valid prefix: still ok, but the
  // head changes, which a verifier that remembers the head notices.
  Sql("UPDATE audit_log SET prev_hash = zeroblob(32) WHERE seq = 3");
  auto v = log_->Verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_at, 3u);
  EXPECT_EQ(v->reason, "prev_hash does not chain");
}

TEST(AuditRowHash, CoversEveryField) {
  AuditRecord base;
  Sha256Digest h = AuditRowHash(base);
  std::vector<std::function<void(AuditRecord&)>> edits = {
      [](AuditRecord& r) { r.seq = 1; },
      [](AuditRecord& r) { r.time = Time(std::chrono::milliseconds(1)); },
      [](AuditRecord& r) { r.actor = "x"; },
      [](AuditRecord& r) { r.action = "x"; },
      [](AuditRecord& r) { r.key_id = "x"; },
      [](AuditRecord& r) { r.key_version = 1; },
      [](AuditRecord& r) { r.policy = "x"; },
      [](AuditRecord& r) { r.policy_version = 1; },
      [](AuditRecord& r) { r.evidence_type = "x"; },
      [](AuditRecord& r) { r.evidence_sha256 = Bytes{1}; },
      [](AuditRecord& r) { r.claims_sha256 = Bytes{1}; },
      [](AuditRecord& r) { r.decision = "x"; },
      [](AuditRecord& r) { r.reasons = "x"; },
      [](AuditRecord& r) { r.request_id = "x"; },
      [](AuditRecord& r) { r.prev_hash[0] = 1; },
      // Moving a character between adjacent fields changes the hash too (length prefixes).
      [](AuditRecord& r) {
        r.actor = "ab";
        r.action = "";
      },
  };
  std::set<Sha256Digest> seen = {h};
  for (size_t i = 0; i < edits.size(); ++i) {
    AuditRecord r = base;
    edits[i](r);
    EXPECT_TRUE(seen.insert(AuditRowHash(r)).second) << "edit " << i;
  }
  AuditRecord ab = base, a_b = base;
  ab.actor = "ab";
  a_b.actor = "a";
  a_b.action = "b";
  EXPECT_NE(AuditRowHash(ab), AuditRowHash(a_b));
}

}  // namespace
}  // namespace kb::storage
