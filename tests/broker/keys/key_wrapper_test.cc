// Wrapped keys are unwrapped by the real OpenSSL command line, as a client would; the CMS form
// carries the same algorithms as AWS KMS's CiphertextForRecipient (tests/vectors/kms-*.ber).

#include "broker/keys/key_wrapper.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "broker/keys/cms_envelope.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::broker {
namespace {

Bytes Spki(EVP_PKEY* key) { return PublicKeyDer(key).value(); }

const KeyWrapper& Wrapper() {
  static const KeyWrapper wrapper = std::move(KeyWrapper::Create()).value();
  return wrapper;
}

class KeyWrapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    key_ = testing::GenerateKey(testing::KeyType::kRsa2048);
    UsePrivateKey(key_.get());
    secret_ = SecretBytes(32);
    ASSERT_TRUE(OsslRandom().Fill(secret_.mutable_span()));
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // Writes `data`, runs `command` (which reads in.bin, writes out.bin), returns out.bin.
  Bytes RunOpenssl(const Bytes& data, const std::string& command) {
    std::ofstream(dir_ + "/in.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
    std::string cmd = "cd " + dir_ + " && " + command + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(dir_ + "/out.bin", std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The recipient's key, as key.pem for the OpenSSL command line.
  void UsePrivateKey(EVP_PKEY* key) {
    OsslPtr<BIO> bio(BIO_new_file((dir_ + "/key.pem").c_str(), "w"));
    ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  }
  // What `openssl cms -decrypt` recovers from `wrapped` with key.pem (empty if it fails).
  Bytes CmsDecrypt(const Bytes& wrapped) {
    return RunOpenssl(wrapped,
                      "rm -f out.bin && openssl cms -decrypt -inform DER -in in.bin -inkey "
                      "key.pem -binary -out out.bin");
  }
  Bytes Secret() const { return Bytes(secret_.span().begin(), secret_.span().end()); }

  std::string dir_;
  OsslPtr<EVP_PKEY> key_;
  SecretBytes secret_;
};

TEST_F(KeyWrapperTest, OpensslCmsDecryptRecoversTheKey) {
  auto wrapped = Wrapper().Wrap(WrapFormat::kCms, Spki(key_.get()), secret_);
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(CmsDecrypt(*wrapped), Secret());
}

TEST_F(KeyWrapperTest, OpensslCmsDecryptRecoversEveryContentSize) {
  // PKCS#7 padding at and around block boundaries, and a secret larger than one RSA block.
  for (size_t size : {0u, 1u, 15u, 16u, 17u, 4096u}) {
    SecretBytes secret(size);
    ASSERT_TRUE(OsslRandom().Fill(secret.mutable_span()));
    auto wrapped = Wrapper().Wrap(WrapFormat::kCms, Spki(key_.get()), secret);
    ASSERT_TRUE(wrapped) << wrapped.error().message;
    EXPECT_EQ(CmsDecrypt(*wrapped), Bytes(secret.span().begin(), secret.span().end())) << size;
  }
}

TEST_F(KeyWrapperTest, OpensslCmsDecryptWorksForA4096BitRecipient) {
  OsslPtr<EVP_PKEY> big(EVP_RSA_gen(4096));
  UsePrivateKey(big.get());
  auto wrapped = Wrapper().Wrap(WrapFormat::kCms, Spki(big.get()), secret_);
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(CmsDecrypt(*wrapped), Secret());
}

TEST_F(KeyWrapperTest, EachCmsWrapUsesAFreshContentKeyAndNamesTheRecipientBySpkiHash) {
  Bytes spki = Spki(key_.get());
  auto a = Wrapper().Wrap(WrapFormat::kCms, spki, secret_);
  auto b = Wrapper().Wrap(WrapFormat::kCms, spki, secret_);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  Sha256Digest id = Sha256(spki);
  Bytes rid{0x80, 0x20};  // [0] IMPLICIT subjectKeyIdentifier, 32 bytes
  rid.insert(rid.end(), id.begin(), id.end());
  EXPECT_NE(std::search(a->begin(), a->end(), rid.begin(), rid.end()), a->end());
}

TEST_F(KeyWrapperTest, OpensslPkeyutlRecoversAnRsaOaep256Key) {
  auto wrapped = Wrapper().Wrap(WrapFormat::kRsaOaep256, Spki(key_.get()), secret_);
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(wrapped->size(), 256u);
  Bytes out = RunOpenssl(*wrapped,
                         "openssl pkeyutl -decrypt -inkey key.pem -in in.bin -out out.bin "
                         "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 "
                         "-pkeyopt rsa_mgf1_md:sha256");
  EXPECT_EQ(out, Secret());
}

// The shape KMS uses: enveloped data, one key-transport recipient named by a 32-byte key id,
// RSAES-OAEP with SHA-256 (hash and MGF1), AES-256-CBC content.
void ExpectKmsShape(const Bytes& der, const char* what) {
  const unsigned char* p = der.data();
  OsslPtr<CMS_ContentInfo> cms(d2i_CMS_ContentInfo(nullptr, &p, long(der.size())));
  ASSERT_TRUE(cms) << what;
  EXPECT_EQ(OBJ_obj2nid(CMS_get0_type(cms.get())), NID_pkcs7_enveloped) << what;
  STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms.get());
  ASSERT_EQ(sk_CMS_RecipientInfo_num(ris), 1) << what;
  CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(ris, 0);
  ASSERT_EQ(CMS_RecipientInfo_type(ri), CMS_RECIPINFO_TRANS) << what;
  ASN1_OCTET_STRING* keyid = nullptr;
  X509_NAME* issuer = nullptr;
  ASN1_INTEGER* serial = nullptr;
  ASSERT_EQ(CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &serial), 1);
  ASSERT_NE(keyid, nullptr) << what;
  EXPECT_EQ(ASN1_STRING_length(keyid), 32) << what;
  X509_ALGOR* alg = nullptr;
  ASSERT_EQ(CMS_RecipientInfo_ktri_get0_algs(ri, nullptr, nullptr, &alg), 1);
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  EXPECT_EQ(OBJ_obj2nid(oid), NID_rsaesOaep) << what;
  auto contains = [&](const std::string& hex) {
    Bytes needle = HexDecode(hex).value();
    return std::search(der.begin(), der.end(), needle.begin(), needle.end()) != der.end();
  };
  EXPECT_TRUE(contains("060960864801650304012a")) << what << ": aes-256-cbc";
  // rsaesOaep {hashFunc sha256 NULL, maskGenFunc mgf1(sha256 NULL)}, byte for byte.
  EXPECT_TRUE(
      contains("06092a864886f70d010107302fa00f300d06096086480165030402010500a11c301a0609"
               "2a864886f70d010108300d06096086480165030402010500"))
      << what << ": OAEP parameters";
}

TEST_F(KeyWrapperTest, CmsHasTheShapeOfKmsCiphertextForRecipient) {
  auto wrapped = Wrapper().Wrap(WrapFormat::kCms, Spki(key_.get()), secret_);
  ASSERT_TRUE(wrapped);
  ExpectKmsShape(*wrapped, "keybroker");
  ExpectKmsShape(testing::ReadVector("kms-ciphertext-for-recipient-1.ber"), "kms-1");
  ExpectKmsShape(testing::ReadVector("kms-ciphertext-for-recipient-2.ber"), "kms-2");
}

TEST_F(KeyWrapperTest, RefusesKeysItCannotWrapTo) {
  auto code = [&](const Bytes& spki) {
    auto r = Wrapper().Wrap(WrapFormat::kCms, spki, secret_);
    return r ? ErrorCode::kInternal : r.error().code;
  };
  auto ec = testing::GenerateKey(testing::KeyType::kP256);
  EXPECT_EQ(code(Spki(ec.get())), ErrorCode::kUnsupportedPublicKey);
  OsslPtr<EVP_PKEY> small(EVP_RSA_gen(1024));
  EXPECT_EQ(code(Spki(small.get())), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(code(Bytes{0x30, 0x00}), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(code(Bytes{}), ErrorCode::kUnsupportedPublicKey);
  Bytes trailing = Spki(key_.get());
  trailing.push_back(0);
  EXPECT_EQ(code(trailing), ErrorCode::kUnsupportedPublicKey);
}

TEST_F(KeyWrapperTest, RsaOaepRefusesASecretThatDoesNotFit) {
  SecretBytes big(191);  // RSA-2048 with OAEP-SHA-256 fits at most 190 bytes
  auto r = Wrapper().Wrap(WrapFormat::kRsaOaep256, Spki(key_.get()), big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest);
  auto cms = Wrapper().Wrap(WrapFormat::kCms, Spki(key_.get()), SecretBytes(4096));
  EXPECT_TRUE(cms);  // CMS carries any size
}

class FailingRandom final : public Random {
 public:
  Status Fill(std::span<uint8_t>) const override {
    return Error{ErrorCode::kInternal, "no entropy"};
  }
};

TEST_F(KeyWrapperTest, AnEnvelopeIsNotSealedWithoutRandomness) {
  OsslPtr<EVP_CIPHER> cbc(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
  auto sealed =
      SealEnvelopedData(key_.get(), Spki(key_.get()), secret_.span(), cbc.get(), FailingRandom());
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().code, ErrorCode::kInternal);
}

TEST(WrapFormat, ParsesTheWireNames) {
  EXPECT_EQ(ParseWrapFormat("cms"), WrapFormat::kCms);
  EXPECT_EQ(ParseWrapFormat("rsa-oaep-256"), WrapFormat::kRsaOaep256);
  EXPECT_FALSE(ParseWrapFormat("jwe"));
  EXPECT_EQ(WrapFormatName(WrapFormat::kRsaOaep256), "rsa-oaep-256");
}

}  // namespace
}  // namespace kb::broker
