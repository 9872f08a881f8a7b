// The PKCS#11 keystore against the real SoftHSM2 module: the KEK lives in the token and refuses
// to be one that could leave it; kms keys are token objects whose stored form binds their key and
// version; each use of a kms key has its own domain; release keys are sealed by the token.

#include "broker/keys/token_keystore.h"

#include <gtest/gtest.h>

#include "broker/keys/sealed_keystore.h"
#include "broker/keys/token_key.h"
#include "crypto/pkcs11/operations.h"
#include "tests/support/softhsm_token.h"

namespace kb::broker {
namespace {

class TokenKeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(softhsm_.ok()) << "softhsm2 is not installed (deploy/install-deps.sh --test)";
    auto token = pkcs11::Token::Open({testing::SoftHsmModule(), softhsm_.label(),
                                      SecretBytes(AsBytes(testing::SoftHsmToken::kPin)), 4});
    ASSERT_TRUE(token) << token.error().message;
    token_ = std::move(*token);
  }
  void OpenKeystore() {
    auto kek = OpenTokenKek(*token_, true);
    ASSERT_TRUE(kek) << kek.error().message;
    kek_ = std::make_unique<Kek>(std::move(*kek));
    auto keystore = TokenKeystore::Open(*token_, *kek_, random_);
    ASSERT_TRUE(keystore) << keystore.error().message;
    keystore_ = std::move(*keystore);
  }
  // Plants a 32-byte secret of `type` under `label`, as someone holding the PIN could.
  void Plant(const std::string& label, CK_KEY_TYPE type, bool extractable) {
    auto s = token_->Acquire();
    ASSERT_TRUE(s);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_BBOOL yes = CK_TRUE, ext = extractable ? CK_TRUE : CK_FALSE;
    Bytes value(32, 0x11);
    std::string name = label;
    CK_ATTRIBUTE attrs[] = {
        {CKA_CLASS, &cls, sizeof cls},       {CKA_KEY_TYPE, &type, sizeof type},
        {CKA_TOKEN, &yes, sizeof yes},       {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &ext, sizeof ext}, {CKA_ENCRYPT, &yes, sizeof yes},
        {CKA_DECRYPT, &yes, sizeof yes},     {CKA_SIGN, &yes, sizeof yes},
        {CKA_VALUE, value.data(), 32},       {CKA_LABEL, name.data(), name.size()}};
    CK_OBJECT_HANDLE h;
    ASSERT_EQ(s->fn()->C_CreateObject(s->handle(), attrs, std::size(attrs), &h), CKR_OK);
  }
  static Bytes Seal(const GcmKey& key, ByteSpan plaintext) {
    Bytes out(plaintext.size() + 16);
    EXPECT_TRUE(key.Seal(Bytes(12, 3), {}, plaintext, out));
    return out;
  }
  static Result<SecretBytes> Open(const GcmKey& key, ByteSpan sealed) {
    return key.Open(Bytes(12, 3), {}, sealed.first(sealed.size() - 16), sealed.last(16));
  }

  testing::SoftHsmToken softhsm_;
  OsslRandom random_;
  std::unique_ptr<pkcs11::Token> token_;
  std::unique_ptr<Kek> kek_;
  std::unique_ptr<TokenKeystore> keystore_;
};

TEST_F(TokenKeystoreTest, TheKekIsCreatedOnceInTheTokenAndSealsAcrossOpenings) {
  OpenKeystore();
  SecretBytes secret(Bytes(32, 9));
  auto sealed = kek_->Seal("k", 1, secret, random_);
  ASSERT_TRUE(sealed);
  auto again = OpenTokenKek(*token_, /*create=*/false);
  ASSERT_TRUE(again) << again.error().message;
  auto opened = again->Unseal("k", 1, *sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_TRUE(std::equal(opened->span().begin(), opened->span().end(), secret.span().begin()));
  EXPECT_FALSE(again->Unseal("k", 2, *sealed));  // the AAD still binds id and version
  auto a = kek_->Derive("keybroker audit chain v1");
  auto b = again->Derive("keybroker audit chain v1");
  auto c = kek_->Derive("another purpose");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(std::equal(a->span().begin(), a->span().end(), b->span().begin()));
  EXPECT_FALSE(std::equal(a->span().begin(), a->span().end(), c->span().begin()));
}

TEST_F(TokenKeystoreTest, ATokenWithoutItsKekIsNotGivenOneUnlessAsked) {
  auto kek = OpenTokenKek(*token_, /*create=*/false);
  ASSERT_FALSE(kek);
  EXPECT_NE(kek.error().message.find("no KEK"), std::string::npos);
}

TEST_F(TokenKeystoreTest, AKekThatCouldLeaveTheTokenIsRefused) {
  Plant(kTokenKekLabel, CKK_AES, /*extractable=*/true);
  Plant(kTokenKdkLabel, CKK_GENERIC_SECRET, /*extractable=*/false);
  auto kek = OpenTokenKek(*token_, true);
  ASSERT_FALSE(kek);
  EXPECT_NE(kek.error().message.find("could leave the token"), std::string::npos);
}

TEST_F(TokenKeystoreTest, AKekWithoutItsDerivationKeyIsRefusedNotCompleted) {
  Plant(kTokenKekLabel, CKK_AES, /*extractable=*/false);
  auto kek = OpenTokenKek(*token_, true);
  ASSERT_FALSE(kek);
  EXPECT_NE(kek.error().message.find("no 'keybroker kdk'"), std::string::npos);
}

TEST_F(TokenKeystoreTest, AKmsKeyIsATokenObjectWhoseStoredFormBindsItsKeyAndVersion) {
  OpenKeystore();
  auto stored = keystore_->Generate("orders", 1, storage::KeyPurpose::kKms);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ((*stored)[0], 0x02);
  std::string label(stored->begin() + 1, stored->end());
  EXPECT_TRUE(label.starts_with("keybroker kms orders v1 ")) << label;
  auto blob = keystore_->KmsKey("orders", 1, *stored, KmsUse::kBlob);
  ASSERT_TRUE(blob) << blob.error().message;
  Bytes sealed = Seal(**blob, AsBytes("data key"));
  auto opened = Open(**blob, sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  // The XKS use of the same object is another domain: the blob's ciphertext does not open.
  auto xks = keystore_->KmsKey("orders", 1, *stored, KmsUse::kXks);
  ASSERT_TRUE(xks);
  EXPECT_EQ(Open(**xks, sealed).error().code, ErrorCode::kInvalidCiphertext);
  // A stored form moved to another key or version (whoever holds the database) is refused.
  EXPECT_FALSE(keystore_->KmsKey("payroll", 1, *stored, KmsUse::kBlob));
  EXPECT_FALSE(keystore_->KmsKey("orders", 2, *stored, KmsUse::kBlob));
  // Its material never leaves the token, not even to the broker.
  auto material = keystore_->Material("orders", 1, *stored);
  ASSERT_FALSE(material);
  EXPECT_NE(material.error().message.find("never leaves"), std::string::npos);
}

// Whoever holds the database and can add objects to the token points a new version at a key
// whose value they chose: it is refused unless the token generated it (an imported key, version
// 1 only, needs only that it cannot leave the token).
TEST_F(TokenKeystoreTest, APlantedKmsObjectIsRefusedUnlessTheKeyWasImported) {
  OpenKeystore();
  std::string label = "keybroker kms orders v7 0badc0de";
  Plant(label, CKK_AES, /*extractable=*/false);
  Bytes stored(1 + label.size(), 0x02);
  std::copy(label.begin(), label.end(), stored.begin() + 1);
  auto refused = keystore_->KmsKey("orders", 7, stored, KmsUse::kBlob);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not generated inside the token"), std::string::npos);
  std::string v1 = "keybroker kms orders v1 0badc0de";
  Plant(v1, CKK_AES, false);
  Bytes stored_v1(1 + v1.size(), 0x02);
  std::copy(v1.begin(), v1.end(), stored_v1.begin() + 1);
  EXPECT_TRUE(keystore_->KmsKey("orders", 1, stored_v1, KmsUse::kBlob, /*imported=*/true));
  EXPECT_FALSE(keystore_->KmsKey("orders", 7, stored, KmsUse::kBlob, /*imported=*/true));
  // An extractable one is refused even for an imported key.
  std::string leaky = "keybroker kms leaky v1 0badc0de";
  Plant(leaky, CKK_AES, true);
  Bytes stored_leaky(1 + leaky.size(), 0x02);
  std::copy(leaky.begin(), leaky.end(), stored_leaky.begin() + 1);
  EXPECT_FALSE(keystore_->KmsKey("leaky", 1, stored_leaky, KmsUse::kBlob, true));
  // A suffix that is not the 8 hex digits the keystore writes is refused.
  std::string odd = "keybroker kms orders v1 zzzzzzzz";
  Bytes stored_odd(1 + odd.size(), 0x02);
  std::copy(odd.begin(), odd.end(), stored_odd.begin() + 1);
  EXPECT_FALSE(keystore_->KmsKey("orders", 1, stored_odd, KmsUse::kBlob, true));
}

TEST_F(TokenKeystoreTest, EachVersionIsItsOwnObject) {
  OpenKeystore();
  auto v1 = keystore_->Generate("orders", 1, storage::KeyPurpose::kKms);
  auto v2 = keystore_->Generate("orders", 2, storage::KeyPurpose::kKms);
  ASSERT_TRUE(v1 && v2);
  auto k1 = keystore_->KmsKey("orders", 1, *v1, KmsUse::kBlob);
  auto k2 = keystore_->KmsKey("orders", 2, *v2, KmsUse::kBlob);
  ASSERT_TRUE(k1 && k2);
  Bytes sealed = Seal(**k1, AsBytes("x"));
  EXPECT_TRUE(Open(**k1, sealed));
  EXPECT_EQ(Open(**k2, sealed).error().code, ErrorCode::kInvalidCiphertext);
}

TEST_F(TokenKeystoreTest, AReleaseKeyIsSealedByTheTokenAndTheDatabaseAloneOpensNothing) {
  OpenKeystore();
  auto stored = keystore_->Generate("weights", 1, storage::KeyPurpose::kRelease);
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)[0], 0x01);
  auto material = keystore_->Material("weights", 1, *stored);
  ASSERT_TRUE(material) << material.error().message;
  EXPECT_EQ(material->size(), 32u);
  // Without the token: a KEK file of any bytes opens nothing.
  auto guess = Kek::FromBytes(SecretBytes(Bytes(32, 0)));
  ASSERT_TRUE(guess);
  SealedKeystore without_token(*guess, random_);
  EXPECT_FALSE(without_token.Material("weights", 1, *stored));
}

TEST_F(TokenKeystoreTest, TheProbeFindsWhatSoftHsmOffersAndTheImportHashFollows) {
  OpenKeystore();
  // SoftHSM 2.6.1 answers CKR_ARGUMENTS_BAD to RSA-OAEP with SHA-256.
  EXPECT_FALSE(keystore_->capabilities().oaep_sha256);
  EXPECT_EQ(keystore_->import_hash(), ImportHash::kSha1);
  EXPECT_NE(keystore_->release_wrap().find("software"), std::string::npos);
}

}  // namespace
}  // namespace kb::broker
