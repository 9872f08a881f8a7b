// The bytes of XKS Encrypt and Decrypt against the specification: the integrity value's test
// vector, the length-prefixed AAD, the metadata, and every field that a tamperer could change.

#include "broker/xks/xks_cipher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "broker/keys/sealed_keystore.h"
#include "common/encoding.h"
#include "crypto/keyed_sha256.h"

namespace kb::broker::xks {
namespace {

Bytes B64(std::string_view text) { return *Base64Decode(text); }
Bytes Text(std::string_view text) { return Bytes(text.begin(), text.end()); }

TEST(XksCipher, IntegrityValueMatchesTheSpecificationsVector) {
  Sha256Digest cdiv = IntegrityValue(Text("project=nile,department=marketing"),
                                     Text("key_version=1"), B64("HMrlRw85cAJUd5Ax"),
                                     B64("ghxkK1txeDNn3q8Y"), B64("vBxN2ncH1oEkR8WVXpmyYQ=="));
  EXPECT_EQ(Base64Encode(cdiv), "qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=");
}

TEST(XksCipher, GcmAadCarriesBothLengths) {
  EXPECT_EQ(GcmAad({}, {}), (Bytes{0, 0, 0}));
  Bytes aad(300, 'a');
  Bytes got = GcmAad(aad, Text("md"));
  ASSERT_EQ(got.size(), 2 + 300 + 1 + 2);
  EXPECT_EQ(got[0], 0x01);
  EXPECT_EQ(got[1], 0x2c);  // 300
  EXPECT_EQ(got[302], 2);
  EXPECT_EQ(got[303], 'm');
}

TEST(XksCipher, MetadataNamesTheKeyVersion) {
  EXPECT_EQ(EncodeCiphertextMetadata(0x01020304), (Bytes{1, 1, 2, 3, 4}));
  EXPECT_EQ(*DecodeCiphertextMetadata(EncodeCiphertextMetadata(7)), 7u);
  for (const Bytes& bad : {Bytes{}, Bytes{1, 0, 0, 0}, Bytes{2, 0, 0, 0, 1}, Bytes{1, 0, 0, 0, 0},
                           Bytes{1, 0, 0, 0, 1, 0}}) {
    auto decoded = DecodeCiphertextMetadata(bad);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidCiphertext);
  }
}

// A sealed kms key's XKS key is HKDF(material, "keybroker xks v1"), not the material itself.
TEST(XksCipher, TheAesKeyIsDerivedApartFromTheKeyMaterial) {
  OsslRandom random;
  auto kek = Kek::FromBytes(SecretBytes(Bytes(32, 7)));
  ASSERT_TRUE(kek);
  SealedKeystore keystore(*kek, random);
  SecretBytes material(Bytes(32, 0x42));
  auto stored = keystore.Store("k", 1, material);
  ASSERT_TRUE(stored);
  auto key = keystore.KmsKey("k", 1, *stored, KmsUse::kXks);
  ASSERT_TRUE(key);
  auto sealed = Seal(**key, 1, Text("x"), {}, random);
  ASSERT_TRUE(sealed);
  SoftwareGcmKey raw(material.Clone());
  SoftwareGcmKey derived(HkdfSha256(material.span(), "keybroker xks v1", 32).value());
  auto args = [&](const GcmKey& k) {
    return Open(k, sealed->ciphertext, sealed->iv, sealed->tag, {}, sealed->metadata);
  };
  EXPECT_FALSE(args(raw));
  EXPECT_TRUE(args(derived));
  // Not an AES-256 key: an XKS key must be one.
  auto short_stored = keystore.Store("s", 1, SecretBytes(Bytes(16, 1)));
  EXPECT_EQ(keystore.KmsKey("s", 1, *short_stored, KmsUse::kXks).error().code,
            ErrorCode::kWrongKeyPurpose);
}

class XksSealTest : public ::testing::Test {
 protected:
  SoftwareGcmKey key_{SecretBytes(Bytes(32, 0x42))};
  OsslRandom random_;
};

TEST_F(XksSealTest, SealsToTheSpecificationsShapesAndOpens) {
  for (size_t size : {size_t(0), size_t(1), size_t(4300), size_t(8192)}) {
    Bytes plaintext(size, 0x5a);
    auto sealed = Seal(key_, 3, plaintext, Text("aad"), random_);
    ASSERT_TRUE(sealed) << sealed.error().message;
    EXPECT_EQ(sealed->ciphertext.size(), size);
    EXPECT_EQ(sealed->iv.size(), 12u);
    EXPECT_EQ(sealed->tag.size(), 16u);
    EXPECT_EQ(*DecodeCiphertextMetadata(sealed->metadata), 3u);
    auto opened =
        Open(key_, sealed->ciphertext, sealed->iv, sealed->tag, Text("aad"), sealed->metadata);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(Bytes(opened->span().begin(), opened->span().end()), plaintext);
  }
}

TEST_F(XksSealTest, EveryAlteredFieldFailsAsInvalidCiphertext) {
  Bytes plaintext = Text("a data key of 32 bytes, exactly!");
  auto s = *Seal(key_, 1, plaintext, Text("ctx"), random_);
  auto flip = [](Bytes b) {
    b[0] ^= 1;
    return b;
  };
  SoftwareGcmKey other_key(SecretBytes(Bytes(32, 0x43)));
  struct Case {
    const char* what;
    Result<SecretBytes> result;
  };
  Case cases[] = {
      {"ciphertext", Open(key_, flip(s.ciphertext), s.iv, s.tag, Text("ctx"), s.metadata)},
      {"iv", Open(key_, s.ciphertext, flip(s.iv), s.tag, Text("ctx"), s.metadata)},
      {"tag", Open(key_, s.ciphertext, s.iv, flip(s.tag), Text("ctx"), s.metadata)},
      {"aad", Open(key_, s.ciphertext, s.iv, s.tag, Text("cty"), s.metadata)},
      {"no aad", Open(key_, s.ciphertext, s.iv, s.tag, {}, s.metadata)},
      {"metadata", Open(key_, s.ciphertext, s.iv, s.tag, Text("ctx"), flip(s.metadata))},
      {"no metadata", Open(key_, s.ciphertext, s.iv, s.tag, Text("ctx"), {})},
      // The metadata moved into the AAD: the lengths tell them apart.
      {"moved", Open(key_, s.ciphertext, s.iv, s.tag,
                     [&] {
                       Bytes joined = Text("ctx");
                       joined.insert(joined.end(), s.metadata.begin(), s.metadata.end());
                       return joined;
                     }(),
                     {})},
      {"key", Open(other_key, s.ciphertext, s.iv, s.tag, Text("ctx"), s.metadata)},
      {"short tag", Open(key_, s.ciphertext, s.iv, Bytes(s.tag.begin(), s.tag.end() - 1),
                         Text("ctx"), s.metadata)},
      {"16-byte iv", Open(key_, s.ciphertext, Bytes(16, 0), s.tag, Text("ctx"), s.metadata)},
  };
  for (const Case& c : cases) {
    ASSERT_FALSE(c.result) << c.what;
    EXPECT_EQ(c.result.error().code, ErrorCode::kInvalidCiphertext) << c.what;
  }
}

TEST_F(XksSealTest, LengthsTheAadPrefixCannotCarryAreRefused) {
  auto s = *Seal(key_, 1, Text("x"), {}, random_);
  Bytes long_aad(0x10000, 'a');
  EXPECT_FALSE(Seal(key_, 1, Text("x"), long_aad, random_));
  auto long_metadata = Open(key_, s.ciphertext, s.iv, s.tag, {}, Bytes(256, 1));
  ASSERT_FALSE(long_metadata);
  EXPECT_EQ(long_metadata.error().code, ErrorCode::kInvalidCiphertext);
  EXPECT_EQ(Open(key_, s.ciphertext, s.iv, s.tag, long_aad, s.metadata).error().code,
            ErrorCode::kInvalidCiphertext);
}

TEST_F(XksSealTest, EachSealHasAFreshIv) {
  auto a = *Seal(key_, 1, Text("same"), {}, random_);
  auto b = *Seal(key_, 1, Text("same"), {}, random_);
  EXPECT_NE(a.iv, b.iv);
  EXPECT_NE(a.ciphertext, b.ciphertext);
}

}  // namespace
}  // namespace kb::broker::xks
