#include "storage/sqlite_key_store.h"

#include <gtest/gtest.h>

#include "storage/migrations.h"
#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::Open(testing::MakeTempDir() + "/kb.db")).value();
    store_ = std::make_unique<SqliteKeyStore>(*db_);
  }
  KeyRecord Key(const std::string& id) { return {id, "generated", true, 1, Time{}, "alice"}; }
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteKeyStore> store_;
};

TEST_F(KeyStoreTest, CreatesRotatesAndKeepsOldVersions) {
  ASSERT_TRUE(store_->Create(Key("k"), Bytes{1}));
  EXPECT_EQ(store_->Create(Key("k"), Bytes{1}).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store_->AddVersion("k", 2, Bytes{2}, Time{}));
  auto key = store_->Get("k");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->current_version, 2u);
  EXPECT_EQ(*store_->GetSealed("k", 1), Bytes{1});
  EXPECT_EQ(*store_->GetSealed("k", 2), Bytes{2});
}

TEST_F(KeyStoreTest, OnlyTheNextVersionCanBeAdded) {
  ASSERT_TRUE(store_->Create(Key("k"), Bytes{1}));
  EXPECT_EQ(store_->AddVersion("k", 3, Bytes{3}, Time{}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->AddVersion("k", 1, Bytes{3}, Time{}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->AddVersion("nope", 2, Bytes{3}, Time{}).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(store_->Get("k")->current_version, 1u);
}

TEST_F(KeyStoreTest, EnablesDisablesAndReportsMissingKeys) {
  ASSERT_TRUE(store_->Create(Key("k"), Bytes{1}));
  ASSERT_TRUE(store_->SetEnabled("k", false));
  EXPECT_FALSE(store_->Get("k")->enabled);
  EXPECT_EQ(store_->SetEnabled("x", false).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(store_->Get("x").error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(store_->GetSealed("k", 9).error().code, ErrorCode::kKeyNotFound);
  ASSERT_TRUE(store_->Create(Key("a"), Bytes{1}));
  auto all = store_->List();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
}

TEST_F(KeyStoreTest, KeepsThePurposeAndAttestationFixedAtCreation) {
  KeyRecord kms = Key("k");
  kms.purpose = KeyPurpose::kKms;
  kms.attestation_required = false;
  ASSERT_TRUE(store_->Create(kms, Bytes{1}));
  ASSERT_TRUE(store_->Create(Key("r"), Bytes{1}));
  EXPECT_EQ(store_->Get("k")->purpose, KeyPurpose::kKms);
  EXPECT_FALSE(store_->Get("k")->attestation_required);
  EXPECT_EQ(store_->Get("r")->purpose, KeyPurpose::kRelease);
  EXPECT_TRUE(store_->Get("r")->attestation_required);
  EXPECT_EQ(ParseKeyPurpose("kms"), KeyPurpose::kKms);
  EXPECT_EQ(ParseKeyPurpose("KMS"), std::nullopt);
}

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
