// The AuditLog contract: rows chained in order, appended alone or inside a unit of work.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

class AuditLogContract : public StorageContract {
 protected:
  static AuditRecord Release(const std::string& key) {
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
  AuditLog& log() { return backend().audit(); }
};

TEST_P(AuditLogContract, ChainsRowsAndVerifies) {
  EXPECT_EQ(*log().Append(Release("a")), 1u);
  EXPECT_EQ(*log().Append(Release("b")), 2u);
  EXPECT_EQ(*log().Append(Release("c")), 3u);
  auto rows = log().Read(0, 10);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].prev_hash, Sha256Digest{});
  EXPECT_EQ((*rows)[1].prev_hash, (*rows)[0].hash);
  EXPECT_EQ((*rows)[2].key_id, "c");
  EXPECT_EQ(log().Read(2, 10)->size(), 1u);
  auto v = log().Verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->rows, 3u);
  EXPECT_EQ(v->head, (*rows)[2].hash);
}

TEST_P(AuditLogContract, StoresEmptyDigestsAsEmptyNotNull) {
  AuditRecord key_change = Release("k");
  key_change.evidence_sha256.clear();
  key_change.claims_sha256.clear();
  ASSERT_TRUE(log().Append(key_change));
  EXPECT_TRUE(log().Read(0, 1)->front().evidence_sha256.empty());
  EXPECT_TRUE(log().Verify()->ok);
}

TEST_P(AuditLogContract, ChainContinuesAcrossReopening) {
  ASSERT_TRUE(log().Append(Release("a")));
  backend().Reopen();
  EXPECT_EQ(*log().Append(Release("b")), 2u);
  EXPECT_TRUE(log().Verify()->ok);
}

TEST_P(AuditLogContract, RowsAppendedInAUnitOfWorkCommitOrRollBackWithIt) {
  EXPECT_EQ(*Commit([&](Tx& tx) { return log().Append(tx, Release("a")); }), 1u);
  auto failed = backend().unit_of_work().Run([&](Tx& tx) -> Status {
    EXPECT_EQ(*log().Append(tx, Release("b")), 2u);
    return Error{ErrorCode::kConflict, "the unit fails after the append"};
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(*log().Append(Release("c")), 2u);  // the rolled-back row left no gap
  auto rows = log().Read(0, 10);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].key_id, "c");
  EXPECT_TRUE(log().Verify()->ok);
}

KB_STORAGE_CONTRACT(AuditLogContract);

}  // namespace
}  // namespace kb::storage::contract
