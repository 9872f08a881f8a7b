// The PKCS#11 layer against the real SoftHSM2 module: the token is found by label and logged in
// once, AES-GCM and HMAC run inside it, a tampered ciphertext is a bad ciphertext (not a lost
// token), labels are never ambiguous, keys never leave the token, and import unwraps into it.

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "broker/keys/rsa_oaep.h"
#include "crypto/ossl.h"
#include "crypto/pkcs11/operations.h"
#include "crypto/pkcs11/token.h"
#include "tests/support/softhsm_token.h"

namespace kb::pkcs11 {
namespace {

class Pkcs11TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(softhsm_.ok()) << "softhsm2 is not installed (deploy/install-deps.sh --test)";
    auto token = Token::Open(Options());
    ASSERT_TRUE(token) << token.error().message;
    token_ = std::move(*token);
  }
  TokenOptions Options(const std::string& pin = testing::SoftHsmToken::kPin) {
    return {testing::SoftHsmModule(), softhsm_.label(), SecretBytes(AsBytes(pin)), 4};
  }
  Token::Session Session() {
    auto s = token_->Acquire();
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  testing::SoftHsmToken softhsm_;
  std::unique_ptr<Token> token_;
};

TEST_F(Pkcs11TokenTest, AWrongPinAMissingTokenOrAMissingModuleFailTheOpenWithTheirCause) {
  token_.reset();
  auto wrong = Token::Open(Options("0000"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("CKR_PIN_INCORRECT"), std::string::npos);
  TokenOptions other = Options();
  other.token_label = "no-such-token";
  auto missing = Token::Open(std::move(other));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no token labelled 'no-such-token'"), std::string::npos);
  TokenOptions nowhere = Options();
  nowhere.module_path = "/nonexistent/libnothing.so";
  auto unloaded = Token::Open(std::move(nowhere));
  ASSERT_FALSE(unloaded);
  EXPECT_NE(unloaded.error().message.find("does not load"), std::string::npos);
}

TEST_F(Pkcs11TokenTest, AesGcmRunsInsideTheTokenAndATamperedCiphertextIsRefused) {
  auto s = Session();
  auto key = GenerateAesKey(s, "test aes");
  ASSERT_TRUE(key) << key.error().message;
  const Bytes nonce(12, 7), aad = {1, 2, 3}, plaintext = {'s', 'e', 'c', 'r', 'e', 't'};
  Bytes sealed(plaintext.size() + 16);
  ASSERT_TRUE(GcmEncrypt(s, *key, nonce, aad, plaintext, sealed));
  auto opened = GcmDecrypt(s, *key, nonce, aad, sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(Bytes(opened->span().begin(), opened->span().end()), plaintext);
  Bytes tampered = sealed;
  tampered[0] ^= 1;
  auto refused = GcmDecrypt(s, *key, nonce, aad, tampered);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidCiphertext);
  Bytes other_aad = {1, 2, 4};
  EXPECT_EQ(GcmDecrypt(s, *key, nonce, other_aad, sealed).error().code,
            ErrorCode::kInvalidCiphertext);
  // A bad tag does not count as a lost token: the next call needs no reopening.
  auto again = GcmDecrypt(s, *key, nonce, aad, sealed);
  EXPECT_TRUE(again);
  EXPECT_EQ(token_->reopen_count(), 0u);
}

TEST_F(Pkcs11TokenTest, KeysAreSensitiveAndNeverExtractable) {
  auto s = Session();
  auto key = GenerateAesKey(s, "test sensitive");
  ASSERT_TRUE(key);
  Bytes value(32);
  CK_ATTRIBUTE read{CKA_VALUE, value.data(), value.size()};
  EXPECT_EQ(s.fn()->C_GetAttributeValue(s.handle(), *key, &read, 1), CKR_ATTRIBUTE_SENSITIVE);
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE extractable{CKA_EXTRACTABLE, &yes, sizeof yes};
  EXPECT_NE(s.fn()->C_SetAttributeValue(s.handle(), *key, &extractable, 1), CKR_OK);
}

TEST_F(Pkcs11TokenTest, ALabelIsUsedOnceAndTwoObjectsWithOneLabelAreRefused) {
  auto s = Session();
  ASSERT_TRUE(GenerateAesKey(s, "test once"));
  auto twice = GenerateAesKey(s, "test once");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  // Someone with the PIN plants a second object under a label the broker uses.
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  CK_BBOOL yes = CK_TRUE;
  Bytes value(32, 0x42);
  std::string label = "test planted";
  CK_ATTRIBUTE attrs[] = {{CKA_CLASS, &cls, sizeof cls},
                          {CKA_KEY_TYPE, &type, sizeof type},
                          {CKA_TOKEN, &yes, sizeof yes},
                          {CKA_VALUE, value.data(), 32},
                          {CKA_LABEL, label.data(), label.size()}};
  CK_OBJECT_HANDLE h1, h2;
  ASSERT_EQ(s.fn()->C_CreateObject(s.handle(), attrs, 5, &h1), CKR_OK);
  ASSERT_EQ(s.fn()->C_CreateObject(s.handle(), attrs, 5, &h2), CKR_OK);
  auto found = s.Find(CKO_SECRET_KEY, label);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("refusing to choose"), std::string::npos);
}

TEST_F(Pkcs11TokenTest, HmacIsDeterministicAndKeyedInsideTheToken) {
  auto s = Session();
  auto a = GenerateHmacKey(s, "test kdk a");
  auto b = GenerateHmacKey(s, "test kdk b");
  ASSERT_TRUE(a && b);
  auto x1 = HmacSha256(s, *a, AsBytes("info"));
  auto x2 = HmacSha256(s, *a, AsBytes("info"));
  auto y = HmacSha256(s, *b, AsBytes("info"));
  ASSERT_TRUE(x1 && x2 && y);
  EXPECT_TRUE(std::equal(x1->span().begin(), x1->span().end(), x2->span().begin()));
  EXPECT_FALSE(std::equal(x1->span().begin(), x1->span().end(), y->span().begin()));
}

TEST_F(Pkcs11TokenTest, AnImportKeyUnwrapsAnAesKeyIntoTheTokenWithTheHashItOffers) {
  auto s = Session();
  auto pair = GenerateRsaKeyPair(s, "test import", 3072);
  ASSERT_TRUE(pair) << pair.error().message;
  auto der = RsaPublicKeyDer(s, pair->public_key);
  ASSERT_TRUE(der) << der.error().message;
  const unsigned char* p = der->data();
  OsslPtr<EVP_PKEY> pub(d2i_PUBKEY(nullptr, &p, long(der->size())));
  ASSERT_TRUE(pub);
  EXPECT_EQ(EVP_PKEY_get_bits(pub.get()), 3072);
  // SoftHSM 2.6.1 unwraps RSA-OAEP with SHA-1 only; what the probe says must match.
  bool sha256 = ProbeOaepWrap(s, OaepHash::kSha256);
  EXPECT_TRUE(ProbeOaepWrap(s, OaepHash::kSha1));
  const EVP_MD* md = sha256 ? EVP_sha256() : EVP_sha1();
  OaepHash hash = sha256 ? OaepHash::kSha256 : OaepHash::kSha1;
  Bytes material(32, 0x5a);
  auto wrapped = broker::OaepEncrypt(pub.get(), material, md);
  ASSERT_TRUE(wrapped);
  auto key = OaepUnwrapAesKey(s, pair->private_key, hash, *wrapped, "test imported aes");
  ASSERT_TRUE(key) << key.error().message;
  // It is the material: a GCM ciphertext made with OpenSSL under it opens in the token.
  const Bytes nonce(12, 1), plaintext = {'o', 'k'};
  Bytes sealed(plaintext.size() + 16);
  ASSERT_TRUE(GcmEncrypt(s, *key, nonce, {}, plaintext, sealed));
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(2);
  int len = 0;
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, material.data(), nonce.data()), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data(), 2), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, sealed.data() + 2), 1);
  EXPECT_EQ(EVP_DecryptFinal_ex(ctx, out.data() + len, &len), 1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(out, plaintext);
  // A wrap that does not decrypt under the key is refused.
  Bytes garbage = *wrapped;
  garbage[10] ^= 1;
  auto refused = OaepUnwrapAesKey(s, pair->private_key, hash, garbage, "test garbage");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kMalformedRequest) << refused.error().message;
}

TEST_F(Pkcs11TokenTest, SessionsAreReusedUpToThePoolSize) {
  std::vector<Token::Session> held;
  for (int i = 0; i < 4; ++i) held.push_back(Session());
  std::set<CK_SESSION_HANDLE> opened;
  for (const auto& s : held) opened.insert(s.handle());
  EXPECT_EQ(opened.size(), 4u);
  held.clear();
  // Released sessions are reused: no fifth one is opened.
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(opened.count(Session().handle()));
}

// SoftHSM answers a null buffer with CKR_ARGUMENTS_BAD and leaves the operation active: an empty
// plaintext (valid in XKS) must work, and no failure may leave a broken session in the pool.
TEST_F(Pkcs11TokenTest, AnEmptyPlaintextWorksAndAFailedCallNeverPoisonsThePool) {
  CK_OBJECT_HANDLE key;
  {
    auto s = Session();
    auto k = GenerateAesKey(s, "test empty");
    ASSERT_TRUE(k);
    key = *k;
    Bytes sealed(16);
    ASSERT_TRUE(GcmEncrypt(s, key, Bytes(12, 1), {}, {}, sealed));
    auto opened = GcmDecrypt(s, key, Bytes(12, 1), {}, sealed);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_TRUE(opened->empty());
    sealed[0] ^= 1;  // a tag that does not verify
    EXPECT_EQ(GcmDecrypt(s, key, Bytes(12, 1), {}, sealed).error().code,
              ErrorCode::kInvalidCiphertext);
  }
  for (int i = 0; i < 4; ++i) {  // every pooled session still works
    auto s = Session();
    Bytes sealed(17);
    ASSERT_TRUE(GcmEncrypt(s, key, Bytes(12, 2), {}, Bytes{7}, sealed));
    ASSERT_TRUE(GcmDecrypt(s, key, Bytes(12, 2), {}, sealed));
  }
}

// A token lost while other threads are in the middle of calls: it is opened again without
// pulling their sessions from under them (ASan would see the use after free), and every call
// either works or fails cleanly.
TEST_F(Pkcs11TokenTest, ReopeningUnderLoadNeverBreaksCallsInFlight) {
  CK_OBJECT_HANDLE key;
  {
    auto s = Session();
    auto k = GenerateAesKey(s, "test load");
    ASSERT_TRUE(k);
    key = *k;
  }
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      while (!stop) {
        auto s = token_->Acquire();
        if (!s) {
          ++failed;
          continue;
        }
        auto found = s->Find(CKO_SECRET_KEY, "test load");
        Bytes sealed(20);
        if (found && GcmEncrypt(*s, *found, Bytes(12, 3), {}, Bytes(4, 4), sealed) &&
            GcmDecrypt(*s, *found, Bytes(12, 3), {}, sealed)) {
          ++ok;
        } else {
          ++failed;
        }
      }
    });
  }
  for (int i = 0; i < 40; ++i) {
    auto s = token_->Acquire();
    if (s) (void)s->Fail("test", CKR_DEVICE_ERROR);  // marks the token lost
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GE(token_->reopen_count(), 1u);
  auto s = Session();  // and afterwards the token serves
  auto found = s.Find(CKO_SECRET_KEY, "test load");
  ASSERT_TRUE(found);
  Bytes sealed(16);
  EXPECT_TRUE(GcmEncrypt(s, *found, Bytes(12, 5), {}, {}, sealed));
  (void)key;
}

}  // namespace
}  // namespace kb::pkcs11
