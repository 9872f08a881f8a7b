// The two-person rule across replicas: two admins approving one subject at the same moment
// through two replicas (two PgDatabase over one schema) must still reach the quorum exactly once.
// Without the write lock each approval's count would miss the other's uncommitted row, and the
// subject would stay pending with two approvals (or both would claim to activate it).

#include <gtest/gtest.h>

#include <thread>

#include "storage/pg/pg_approval_store.h"
#include "storage/pg/pg_attestation_key_store.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_unit_of_work.h"
#include "tests/support/test_postgres.h"

namespace kb::storage {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

// One broker replica: its own pool and stores over the shared schema.
struct Replica {
  explicit Replica(const testing::TestPostgres& pg)
      : db(Open(pg)), unit(*db), audit(*db), approvals(*db, audit), aks(*db, audit) {}
  static std::unique_ptr<PgDatabase> Open(const testing::TestPostgres& pg) {
    auto db = PgDatabase::Open(PgOptions{pg.url, pg.password, 2});
    if (!db) {
      ADD_FAILURE() << db.error().message;
      std::abort();
    }
    return std::move(*db);
  }
  Result<ApprovalResult> Approve(const std::string& id, const std::string& who) {
    std::optional<Result<ApprovalResult>> out;
    Status s = unit.Run([&](Tx& tx) -> Status {
      AuditRecord row{.time = kT, .actor = who, .action = "approve", .decision = "ok"};
      out.emplace(approvals.Approve(tx, {ApprovalKind::kAttestationKey, id, 0}, who, 2, kT, row));
      if (!*out) return Error(out->error());
      return Ok();
    });
    if (!s && *out) return Error(s.error());
    return std::move(*out);
  }

  std::unique_ptr<PgDatabase> db;
  PgUnitOfWork unit;
  PgAuditLog audit;
  PgApprovalStore approvals;
  PgAttestationKeyStore aks;
};

TEST(PgApprovalReplicas, TwoAdminsApprovingThroughTwoReplicasAtOnceReachTheQuorumOnce) {
  testing::TestPostgres pg = testing::FreshPostgresSchema();
  Replica a(pg);
  Replica b(pg);
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) {
    std::string id = "ak:" + std::to_string(i);
    AuditRecord row{.time = kT, .actor = "admin", .action = "ak.register", .decision = "ok"};
    ASSERT_TRUE(a.unit.Run([&](Tx& tx) {
      return a.aks.Add(tx, {id, Bytes{1}, "pending", "", kT, "admin"}, row);
    }));
    std::optional<Result<ApprovalResult>> by_alice;
    std::optional<Result<ApprovalResult>> by_bob;
    std::thread alice([&] { by_alice.emplace(a.Approve(id, "alice")); });
    std::thread bob([&] { by_bob.emplace(b.Approve(id, "bob")); });
    alice.join();
    bob.join();
    ASSERT_TRUE(*by_alice) << by_alice->error().message;
    ASSERT_TRUE(*by_bob) << by_bob->error().message;
    // One saw one approval, the other both and activated the key.
    EXPECT_EQ((*by_alice)->approvals + (*by_bob)->approvals, 3) << id;
    EXPECT_NE((*by_alice)->activated, (*by_bob)->activated) << id;
  }
  auto keys = b.aks.List();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), size_t(kRounds));
  for (const auto& key : *keys) EXPECT_EQ(key.status, "active") << key.id;
}

}  // namespace
}  // namespace kb::storage
