// The KeyStore contract: keys with their sealed versions, rotation, enabling and purposes.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

class KeyStoreContract : public StorageContract {
 protected:
  static KeyRecord Key(const std::string& id) {
    return {id, "generated", true, 1, Time{}, "alice"};
  }
  Status Create(const KeyRecord& key, Bytes sealed) {
    return Commit([&](Tx& tx) { return backend().keys().Create(tx, key, sealed); });
  }
  Status AddVersion(std::string_view id, uint32_t version, Bytes sealed) {
    return Commit(
        [&](Tx& tx) { return backend().keys().AddVersion(tx, id, version, sealed, Time{}); });
  }
  Status SetEnabled(std::string_view id, bool enabled) {
    return Commit([&](Tx& tx) { return backend().keys().SetEnabled(tx, id, enabled); });
  }
  KeyStore& keys() { return backend().keys(); }
};

TEST_P(KeyStoreContract, CreatesRotatesAndKeepsOldVersions) {
  ASSERT_TRUE(Create(Key("k"), Bytes{1}));
  EXPECT_EQ(Create(Key("k"), Bytes{1}).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(AddVersion("k", 2, Bytes{2}));
  auto key = keys().Get("k");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->current_version, 2u);
  EXPECT_EQ(*keys().GetSealed("k", 1), Bytes{1});
  EXPECT_EQ(*keys().GetSealed("k", 2), Bytes{2});
}

TEST_P(KeyStoreContract, OnlyTheNextVersionCanBeAdded) {
  ASSERT_TRUE(Create(Key("k"), Bytes{1}));
  EXPECT_EQ(AddVersion("k", 3, Bytes{3}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(AddVersion("k", 1, Bytes{3}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(AddVersion("nope", 2, Bytes{3}).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(keys().Get("k")->current_version, 1u);
}

TEST_P(KeyStoreContract, EnablesDisablesAndReportsMissingKeys) {
  ASSERT_TRUE(Create(Key("k"), Bytes{1}));
  ASSERT_TRUE(SetEnabled("k", false));
  EXPECT_FALSE(keys().Get("k")->enabled);
  EXPECT_EQ(SetEnabled("x", false).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(keys().Get("x").error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(keys().GetSealed("k", 9).error().code, ErrorCode::kKeyNotFound);
  ASSERT_TRUE(Create(Key("a"), Bytes{1}));
  auto all = keys().List();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
}

TEST_P(KeyStoreContract, KeepsThePurposeAndAttestationFixedAtCreation) {
  KeyRecord kms = Key("k");
  kms.purpose = KeyPurpose::kKms;
  kms.attestation_required = false;
  ASSERT_TRUE(Create(kms, Bytes{1}));
  ASSERT_TRUE(Create(Key("r"), Bytes{1}));
  EXPECT_EQ(keys().Get("k")->purpose, KeyPurpose::kKms);
  EXPECT_FALSE(keys().Get("k")->attestation_required);
  EXPECT_EQ(keys().Get("r")->purpose, KeyPurpose::kRelease);
  EXPECT_TRUE(keys().Get("r")->attestation_required);
  EXPECT_EQ(ParseKeyPurpose("kms"), KeyPurpose::kKms);
  EXPECT_EQ(ParseKeyPurpose("KMS"), std::nullopt);
}

TEST_P(KeyStoreContract, AnEnableRequestWaitsOnlyOnADisabledKey) {
  ASSERT_TRUE(Create(Key("k"), Bytes{1}));
  auto request = [&](std::string_view id) {
    return Commit([&](Tx& tx) { return keys().RequestEnable(tx, id); });
  };
  EXPECT_EQ(request("k").error().code, ErrorCode::kConflict);
  EXPECT_EQ(request("nope").error().code, ErrorCode::kKeyNotFound);
  ASSERT_TRUE(SetEnabled("k", false));
  ASSERT_TRUE(request("k"));
  EXPECT_TRUE(keys().Get("k")->enable_requested);
  ASSERT_TRUE(SetEnabled("k", false));  // disabling again voids the request
  EXPECT_FALSE(keys().Get("k")->enable_requested);
}

TEST_P(KeyStoreContract, CommittedKeysSurviveReopening) {
  ASSERT_TRUE(Create(Key("k"), Bytes{1}));
  backend().Reopen();
  EXPECT_EQ(*keys().GetSealed("k", 1), Bytes{1});
}

KB_STORAGE_CONTRACT(KeyStoreContract);

}  // namespace
}  // namespace kb::storage::contract
