// KEK rotation (cli/kek_rotation.h) on a real database: keys of both purposes with several
// versions, an access key, import tokens live, used and expired, and the keyed audit chain. After
// a rotation the old KEK opens nothing and the new one everything, with the same key material; a
// wrong old KEK, a chain that does not verify, the same KEK twice, and a failure half-way leave
// the database exactly as it was.

#include "cli/kek_rotation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>

#include "broker/keys/key_manager.h"
#include "broker/keys/seal_names.h"
#include "cli/audit_setup.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "storage/sqlite_access_key_store.h"
#include "storage/sqlite_import_token_store.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_principal_store.h"
#include "storage/sqlite_sealed_values.h"
#include "storage/sqlite_unit_of_work.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

const Time kT = Time(std::chrono::milliseconds(1'800'000'000'000));

broker::Kek KekOf(char fill) {
  return std::move(broker::Kek::FromBytes(SecretBytes(Bytes(32, uint8_t(fill))))).value();
}

storage::AuditRecord Row(const std::string& action) {
  storage::AuditRecord r;
  r.time = kT;
  r.actor = "test";
  r.action = action;
  r.decision = "ok";
  return r;
}

class KekRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    db_ = std::move(storage::Database::Open(dir_ + "/kb.db")).value();
    Populate();
  }
  void TearDown() override {
    db_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  // What `serve` and the admin API would have written under the old KEK.
  void Populate() {
    auto audit = std::move(OpenKeyedAuditLog(*db_, old_, nullptr, kT)).value();
    storage::SqliteKeyStore keys(*db_);
    storage::SqliteUnitOfWork uow(*db_);
    broker::KeyManager manager(keys, *audit, uow, old_, random_);
    ASSERT_TRUE(manager.CreateGenerated("release-key", "test", kT));
    ASSERT_TRUE(manager.Rotate("release-key", "test", kT));
    ASSERT_TRUE(manager.CreateGenerated("kms-key", "test", kT, {storage::KeyPurpose::kKms, true}));
    for (const char* id : {"release-key", "kms-key"}) {
      material_[id] = HexEncode(std::move(manager.UnsealCurrent(id)).value().material.span());
    }
    storage::SqlitePrincipalStore principals(*db_, *audit);
    storage::SqliteAccessKeyStore access_keys(*db_, *audit);
    storage::SqliteImportTokenStore tokens(*db_);
    auto secret = std::move(old_.Seal(broker::AccessKeySealName("KBAK1"),
                                      broker::kAccessKeySealVersion, Secret("s3cret"), random_))
                      .value();
    ASSERT_TRUE(uow.Run([&](storage::Tx& tx) -> Status {
      if (auto s = principals.CreatePrincipal(tx, {"app", {"kms-user"}, kT, "test"},
                                              Row("principal.create"));
          !s)
        return s;
      if (auto s =
              access_keys.Add(tx, {"KBAK1", "app", secret, kT, {}, true}, Row("access-key.create"));
          !s)
        return s;
      for (const char* name : {"live", "used", "expired"}) {
        Time expires = std::string(name) == "expired" ? kT - std::chrono::minutes(1)
                                                      : kT + std::chrono::hours(1);
        if (auto s = tokens.Add(tx, Token(name, expires), kT); !s) return s;
      }
      auto used = tokens.Take(tx, Sha256(AsBytes(std::string("used"))), kT);
      if (!used) return std::move(used).error();
      return Ok();
    }));
  }

  SecretBytes Secret(const std::string& text) { return SecretBytes(AsBytes(text)); }
  storage::ImportToken Token(const std::string& token, Time expires) {
    storage::ImportToken t;
    t.token_sha256 = Sha256(AsBytes(token));
    t.key_id = "imported";
    t.expires_at = expires;
    t.wrapping_key_sealed =
        std::move(old_.Seal(broker::ImportTokenSealName(HexEncode(t.token_sha256)),
                            broker::kImportTokenSealVersion, Secret("pkcs8 of " + token), random_))
            .value();
    return t;
  }

  std::vector<storage::SealedValue> Sealed() {
    std::vector<storage::SealedValue> out;
    storage::SqliteUnitOfWork uow(*db_);
    EXPECT_TRUE(uow.Run([&](storage::Tx& tx) -> Status {
      auto listed = storage::SqliteSealedValues(*db_).List(tx, kT);
      if (!listed) return std::move(listed).error();
      out = std::move(*listed);
      return Ok();
    }));
    return out;
  }
  // Every sealed blob and every audit row's MAC: equal snapshots, an unchanged database.
  std::string Snapshot() {
    std::string out;
    for (const auto& v : Sealed()) out += v.id + ":" + HexEncode(v.sealed) + "\n";
    auto rows = std::move(storage::SqliteAuditLog(*db_, ChainKey(old_)).Read(0, 1000)).value();
    for (const auto& r : rows) out += r.action + ":" + HexEncode(r.hash) + "\n";
    return out;
  }
  static storage::AuditChainKey ChainKey(const broker::Kek& kek) {
    return std::move(AuditKeyFromKek(kek)).value();
  }
  storage::AuditVerification VerifyUnder(const broker::Kek& kek) {
    return std::move(storage::SqliteAuditLog(*db_, ChainKey(kek)).Verify()).value();
  }
  Result<KekRotation> Rotate(const broker::Kek& from, const broker::Kek& to) {
    return RotateKek(*db_, from, to, random_, kT, "operator");
  }

  std::string dir_;
  std::unique_ptr<storage::Database> db_;
  OsslRandom random_;
  broker::Kek old_ = KekOf('o');
  broker::Kek new_ = KekOf('n');
  std::map<std::string, std::string> material_;
};

bool Opens(const broker::Kek& kek, const storage::SealedValue& v) {
  using storage::SealedKind;
  std::string name = v.kind == SealedKind::kKeyVersion        ? v.id
                     : v.kind == SealedKind::kAccessKeySecret ? broker::AccessKeySealName(v.id)
                                                              : broker::ImportTokenSealName(v.id);
  uint32_t version = v.kind == SealedKind::kKeyVersion        ? v.version
                     : v.kind == SealedKind::kAccessKeySecret ? broker::kAccessKeySealVersion
                                                              : broker::kImportTokenSealVersion;
  return bool(kek.Unseal(name, version, v.sealed));
}

TEST_F(KekRotationTest, AfterRotationOnlyTheNewKekOpensAndTheMaterialIsTheSame) {
  ASSERT_EQ(Sealed().size(), 7u);  // 3 key versions, 1 access key, 3 import tokens
  auto rotated = Rotate(old_, new_);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(rotated->key_versions, 3u);
  EXPECT_EQ(rotated->access_keys, 1u);
  EXPECT_EQ(rotated->import_tokens, 1u);          // the live one
  EXPECT_EQ(rotated->import_tokens_deleted, 2u);  // used and expired
  auto sealed = Sealed();
  ASSERT_EQ(sealed.size(), 5u);
  for (const auto& v : sealed) {
    EXPECT_TRUE(Opens(new_, v)) << v.id;
    EXPECT_FALSE(Opens(old_, v)) << v.id;
  }
  storage::SqliteKeyStore keys(*db_);
  storage::SqliteUnitOfWork uow(*db_);
  storage::SqliteAuditLog audit(*db_, ChainKey(new_));
  broker::KeyManager manager(keys, audit, uow, new_, random_);
  for (const auto& [id, hex] : material_) {
    auto key = manager.UnsealCurrent(id);
    ASSERT_TRUE(key) << id;
    EXPECT_EQ(HexEncode(key->material.span()), hex) << id;
  }
  auto chain = VerifyUnder(new_);
  EXPECT_TRUE(chain.ok) << chain.reason;
  EXPECT_EQ(chain.rows, rotated->audit_rows + 1);
  EXPECT_FALSE(VerifyUnder(old_).ok);
  auto last = std::move(audit.Read(rotated->audit_rows, 10)).value();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].action, "kek.rotate");
  EXPECT_EQ(last[0].actor, "operator");
  EXPECT_NE(last[0].reasons.find(HexEncode(rotated->old_head)), std::string::npos);
  // And back again: a rotated database rotates like any other.
  ASSERT_TRUE(Rotate(new_, old_));
  EXPECT_TRUE(VerifyUnder(old_).ok);
}

// A broker (or an offline command) started on the retired KEK would seal new keys under it and
// key rows under the old chain key: opening the audit log refuses it, naming the rotation.
TEST_F(KekRotationTest, AfterRotationTheOldKekCannotOpenTheDatabase) {
  ASSERT_TRUE(Rotate(old_, new_));
  auto refused = OpenKeyedAuditLog(*db_, old_, nullptr, kT);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("the KEK does not match this database"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("kek rotate"), std::string::npos);
  EXPECT_TRUE(OpenKeyedAuditLog(*db_, new_, nullptr, kT));
}

// What the rotation overwrote or deleted is not left in the database's files (secure_delete
// under the maintenance lock, the WAL checkpointed and truncated): a copy of the files taken
// afterwards holds nothing the retired KEK opens.
TEST_F(KekRotationTest, NoOldSealedValueIsLeftInTheFiles) {
  std::vector<Bytes> old_values;
  for (const auto& v : Sealed()) old_values.push_back(v.sealed);
  ASSERT_EQ(old_values.size(), 7u);
  ASSERT_TRUE(db_->LockExclusively());  // as `keybroker kek rotate` does
  ASSERT_TRUE(Rotate(old_, new_));
  auto read_all = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string files = read_all(dir_ + "/kb.db") + read_all(dir_ + "/kb.db-wal");
  ASSERT_GT(files.size(), 4096u);
  for (const Bytes& value : old_values) {
    EXPECT_EQ(files.find(std::string(value.begin(), value.end())), std::string::npos);
  }
}

TEST_F(KekRotationTest, AWrongOldKekIsRefusedWithNothingChanged) {
  std::string before = Snapshot();
  auto refused = Rotate(KekOf('w'), new_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("does not open"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(VerifyUnder(old_).ok);
}

TEST_F(KekRotationTest, TheSameKekIsRefused) {
  std::string before = Snapshot();
  auto refused = Rotate(old_, KekOf('o'));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("same"), std::string::npos);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(KekRotationTest, AChainThatDoesNotVerifyIsNotRotated) {
  {
    auto lock = db_->lock();
    ASSERT_TRUE(db_->Exec("UPDATE audit_log SET reasons = 'edited' WHERE seq = 2"));
  }
  std::string before = Snapshot();
  auto refused = Rotate(old_, new_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("broken at seq 2"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(KekRotationTest, AFailureHalfWayLeavesTheDatabaseAsItWas) {
  // Key versions and the audit chain are rewritten before access keys: fail there.
  auto exec = [&](const char* sql) {
    auto lock = db_->lock();
    return bool(db_->Exec(sql));
  };
  ASSERT_TRUE(
      exec("CREATE TRIGGER fail_half_way BEFORE UPDATE ON access_keys "
           "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;"));
  std::string before = Snapshot();
  auto failed = Rotate(old_, new_);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("simulated failure"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(VerifyUnder(old_).ok);
  ASSERT_TRUE(exec("DROP TRIGGER fail_half_way"));
  EXPECT_TRUE(Rotate(old_, new_));
}

TEST_F(KekRotationTest, TheDatabaseCannotBeLockedWhileAnotherConnectionHasItOpen) {
  auto other = std::move(storage::Database::Open(dir_ + "/kb.db")).value();
  auto refused = db_->LockExclusively();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("stop the broker"), std::string::npos);
  other.reset();
  ASSERT_TRUE(db_->LockExclusively());
  // Held: a broker starting now cannot open the database (after its busy wait).
  EXPECT_TRUE(Rotate(old_, new_));
}

}  // namespace
}  // namespace kb::cli
