#include "broker/keys/key_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "common/encoding.h"
#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_unit_of_work.h"
#include "tests/support/test_paths.h"

namespace kb::broker {
namespace {

Bytes Copy(const std::string& text) { return Bytes(text.begin(), text.end()); }

class KeyManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    db_ = std::move(storage::Database::Open(dir_ + "/kb.db")).value();
    keys_ = std::make_unique<storage::SqliteKeyStore>(*db_);
    audit_ = std::make_unique<storage::SqliteAuditLog>(*db_);
    unit_of_work_ = std::make_unique<storage::SqliteUnitOfWork>(*db_);
    kek_ = std::make_unique<Kek>(std::move(Kek::FromBytes(SecretBytes(Bytes(32, 9)))).value());
    manager_ = std::make_unique<KeyManager>(*keys_, *audit_, *unit_of_work_, *kek_, random_);
  }
  Bytes Material(std::string_view id) {
    auto k = manager_->UnsealCurrent(id);
    EXPECT_TRUE(k) << k.error().message;
    return Bytes(k->material.span().begin(), k->material.span().end());
  }
  // Every file SQLite wrote (database, WAL, shared memory).
  Bytes DatabaseFiles() {
    Bytes all;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::ifstream in(dir_ + "/kb.db" + suffix, std::ios::binary);
      all.insert(all.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }

  std::string dir_;
  OsslRandom random_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteKeyStore> keys_;
  std::unique_ptr<storage::SqliteAuditLog> audit_;
  std::unique_ptr<storage::SqliteUnitOfWork> unit_of_work_;
  std::unique_ptr<Kek> kek_;
  std::unique_ptr<KeyManager> manager_;
};

TEST_F(KeyManagerTest, GeneratesRotatesAndUnseals) {
  Time t{};
  ASSERT_TRUE(manager_->CreateGenerated("model-weights", "alice", t));
  Bytes v1 = Material("model-weights");
  EXPECT_EQ(v1.size(), 32u);
  EXPECT_EQ(*manager_->Rotate("model-weights", "alice", t), 2u);
  Bytes v2 = Material("model-weights");
  EXPECT_NE(v1, v2);
  EXPECT_EQ(manager_->UnsealCurrent("model-weights")->version, 2u);
  EXPECT_EQ(audit_->Verify()->rows, 2u);  // create, rotate
}

TEST_F(KeyManagerTest, ImportsOpaqueSecrets) {
  SecretBytes secret(Bytes{'h', 'e', 'l', 'l', 'o'});
  ASSERT_TRUE(manager_->Import("api-token", secret, "bob", Time{}));
  EXPECT_EQ(Material("api-token"), (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_FALSE(manager_->Import("empty", SecretBytes(), "bob", Time{}));
  EXPECT_FALSE(manager_->Import("huge", SecretBytes(4097), "bob", Time{}));
  EXPECT_EQ(manager_->Rotate("api-token", "bob", Time{}).error().code, ErrorCode::kConflict);
}

TEST_F(KeyManagerTest, DisabledOrMissingKeysAreNotUnsealed) {
  ASSERT_TRUE(manager_->CreateGenerated("k", "alice", Time{}));
  ASSERT_TRUE(manager_->SetEnabled("k", false, "alice", Time{}));
  EXPECT_EQ(manager_->UnsealCurrent("k").error().code, ErrorCode::kKeyDisabled);
  ASSERT_TRUE(manager_->SetEnabled("k", true, "alice", Time{}));
  EXPECT_TRUE(manager_->UnsealCurrent("k"));
  EXPECT_EQ(manager_->UnsealCurrent("zz").error().code, ErrorCode::kKeyNotFound);
  EXPECT_FALSE(manager_->CreateGenerated("bad id", "alice", Time{}));
}

TEST_F(KeyManagerTest, AnotherKekCannotUnseal) {
  ASSERT_TRUE(manager_->CreateGenerated("k", "alice", Time{}));
  Kek other = std::move(Kek::FromBytes(SecretBytes(Bytes(32, 10)))).value();
  KeyManager thief(*keys_, *audit_, *unit_of_work_, other, random_);
  EXPECT_EQ(thief.UnsealCurrent("k").error().code, ErrorCode::kInternal);
}

TEST_F(KeyManagerTest, TheDatabaseFilesHoldNoKeyMaterial) {
  std::vector<Bytes> secrets;
  for (int i = 0; i < 5; ++i) {
    std::string id = "key-" + std::to_string(i);
    ASSERT_TRUE(manager_->CreateGenerated(id, "alice", Time{}));
    secrets.push_back(Material(id));
  }
  SecretBytes imported(Bytes(64, 0x42));
  ASSERT_TRUE(manager_->Import("imported", imported, "alice", Time{}));
  secrets.push_back(Bytes(64, 0x42));
  Bytes files = DatabaseFiles();
  ASSERT_GT(files.size(), 4096u);
  for (const Bytes& secret : secrets) {
    for (const Bytes& needle : {secret, Copy(HexEncode(secret)), Copy(Base64Encode(secret))}) {
      EXPECT_EQ(std::search(files.begin(), files.end(), needle.begin(), needle.end()), files.end());
    }
  }
}

}  // namespace
}  // namespace kb::broker
