// The KeyStore contract is key_store_contract_test.cc; this is the SQLite schema's own history.

#include "storage/sqlite_key_store.h"

#include <gtest/gtest.h>

#include "storage/migrations.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

// Issue 16: the migration that adds purposes gives each existing key one from its audit history:
// released through /v1/release → release; served by the KMS API and never released → kms;
// anything else → release. Every key starts with attestation required.
TEST(KeyPurposeMigration, ExistingKeysGetTheirPurposeFromTheAuditLog) {
  std::string path = testing::MakeTempDir() + "/kb.db";
  {
    auto old = Database::OpenAtVersion(path, /*the schema before migration 9, key purposes=*/8);
    ASSERT_TRUE(old) << old.error().message;
    auto lock = (*old)->lock();
    ASSERT_TRUE((*old)->Exec(R"sql(
INSERT INTO keys (id, origin, enabled, current_version, created_at, created_by) VALUES
  ('released', 'generated', 1, 1, 0, 't'), ('both', 'generated', 1, 1, 0, 't'),
  ('kms-only', 'generated', 1, 1, 0, 't'), ('kms-denied', 'generated', 1, 1, 0, 't'),
  ('release-denied', 'generated', 1, 1, 0, 't'), ('unused', 'imported', 1, 1, 0, 't');
INSERT INTO audit_log (seq, time, actor, action, key_id, key_version, policy, policy_version,
                       evidence_type, evidence_sha256, claims_sha256, decision, reasons,
                       request_id, prev_hash, hash) VALUES
  (1, 0, 'a', 'release', 'released', 1, '', 0, '', x'', x'', 'allow', '', '', zeroblob(32), zeroblob(32)),
  (2, 0, 'a', 'release', 'both', 1, '', 0, '', x'', x'', 'allow', '', '', zeroblob(32), zeroblob(32)),
  (3, 0, 'k', 'kms.Encrypt', 'both', 1, '', 0, '', x'', x'', 'allow', '', '', zeroblob(32), zeroblob(32)),
  (4, 0, 'k', 'kms.Decrypt', 'kms-only', 1, '', 0, '', x'', x'', 'allow', '', '', zeroblob(32), zeroblob(32)),
  (5, 0, 'k', 'kms.Decrypt', 'kms-denied', 1, '', 0, '', x'', x'', 'deny', '', '', zeroblob(32), zeroblob(32)),
  (6, 0, 'a', 'release', 'release-denied', 1, '', 0, '', x'', x'', 'deny', '', '', zeroblob(32), zeroblob(32)),
  (7, 0, 'k', 'kms.GenerateDataKey', 'release-denied', 1, '', 0, '', x'', x'', 'allow', '', '', zeroblob(32), zeroblob(32));
)sql"));
  }
  auto db = Database::Open(path);
  ASSERT_TRUE(db) << db.error().message;
  SqliteKeyStore keys(**db);
  for (const auto& [id, purpose] :
       std::vector<std::pair<std::string, KeyPurpose>>{{"released", KeyPurpose::kRelease},
                                                       {"both", KeyPurpose::kRelease},
                                                       {"kms-only", KeyPurpose::kKms},
                                                       {"kms-denied", KeyPurpose::kRelease},
                                                       {"release-denied", KeyPurpose::kKms},
                                                       {"unused", KeyPurpose::kRelease}}) {
    auto key = keys.Get(id);
    ASSERT_TRUE(key) << id;
    EXPECT_EQ(key->purpose, purpose) << id;
    EXPECT_TRUE(key->attestation_required) << id;
  }
}

}  // namespace
}  // namespace kb::storage
