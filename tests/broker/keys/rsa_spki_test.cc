// The recipient-key parser: every SubjectPublicKeyInfo that OpenSSL writes for an RSA key is
// accepted and yields the same key; each rejection branch is exercised with a crafted encoding.

#include "broker/keys/rsa_spki.h"

#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include <optional>

#include "broker/keys/internal/der.h"
#include "tests/support/test_pki.h"

namespace kb::broker {
namespace {

using internal::Der;
using internal::kDerBitString;
using internal::kDerInteger;
using internal::kDerSequence;

const Bytes kRsaAlgorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                             0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

// SubjectPublicKeyInfo { algorithm, BIT STRING { unused = 0, RSAPublicKey { n, e } } }, from
// the INTEGER contents given.
Bytes Spki(const Bytes& n, const Bytes& e, const Bytes& algorithm = kRsaAlgorithm) {
  Bytes bits{0x00};
  Bytes rsa = Der(kDerSequence, {Der(kDerInteger, {n}), Der(kDerInteger, {e})});
  bits.insert(bits.end(), rsa.begin(), rsa.end());
  return Der(kDerSequence, {algorithm, Der(kDerBitString, {bits})});
}

Bytes ModulusOf(int bits) {
  Bytes n(size_t(bits / 8), 0xc3);
  n.insert(n.begin(), 0x00);  // keeps the INTEGER positive
  return n;
}

const Bytes kF4 = {0x01, 0x00, 0x01};

// The error code of a refusal; nullopt when the key is accepted.
std::optional<ErrorCode> Code(const Bytes& der) {
  auto key = ParseRsaSpki(der);
  if (key) return std::nullopt;
  return key.error().code;
}

TEST(RsaSpki, AcceptsWhatOpensslWritesAndYieldsTheSameKey) {
  for (unsigned bits : {2048u, 3072u}) {
    OsslPtr<EVP_PKEY> original(EVP_RSA_gen(bits));
    Bytes der = PublicKeyDer(original.get()).value();
    auto parsed = ParseRsaSpki(der);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(EVP_PKEY_eq(parsed->get(), original.get()), 1);
    EXPECT_EQ(PublicKeyDer(parsed->get()).value(), der);
  }
}

TEST(RsaSpki, AcceptsTheBoundsOfTheModulusSize) {
  EXPECT_EQ(Code(Spki(ModulusOf(2048), kF4)), std::nullopt);
  EXPECT_EQ(Code(Spki(ModulusOf(16384), kF4)), std::nullopt);
  EXPECT_EQ(Code(Spki(ModulusOf(2040), kF4)), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Spki(ModulusOf(16392), kF4)), ErrorCode::kUnsupportedPublicKey);
}

TEST(RsaSpki, RefusesOtherAlgorithms) {
  auto ec = testing::GenerateKey(testing::KeyType::kP256);
  EXPECT_EQ(Code(PublicKeyDer(ec.get()).value()), ErrorCode::kUnsupportedPublicKey);
  Bytes no_null(kRsaAlgorithm.begin(), kRsaAlgorithm.end() - 2);
  no_null[1] = 0x0b;
  EXPECT_EQ(Code(Spki(ModulusOf(2048), kF4, no_null)), ErrorCode::kUnsupportedPublicKey);
  Bytes rsassa_pss = kRsaAlgorithm;
  rsassa_pss[12] = 0x0a;  // 1.2.840.113549.1.1.10
  EXPECT_EQ(Code(Spki(ModulusOf(2048), kF4, rsassa_pss)), ErrorCode::kUnsupportedPublicKey);
}

TEST(RsaSpki, RefusesAnEvenModulus) {
  Bytes even = ModulusOf(2048);
  even.back() = 0xc2;
  EXPECT_EQ(Code(Spki(even, kF4)), ErrorCode::kUnsupportedPublicKey);
}

TEST(RsaSpki, RefusesBadIntegers) {
  Bytes negative = ModulusOf(2048);
  negative.erase(negative.begin());  // 0xc3... without the sign byte is negative
  EXPECT_EQ(Code(Spki(negative, kF4)), ErrorCode::kUnsupportedPublicKey);
  Bytes padded = ModulusOf(2048);
  padded.insert(padded.begin(), 0x00);  // a needless leading zero
  EXPECT_EQ(Code(Spki(padded, kF4)), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Spki(Bytes{}, kF4)), ErrorCode::kUnsupportedPublicKey);
}

TEST(RsaSpki, RefusesUnusableExponents) {
  Bytes n = ModulusOf(2048);
  EXPECT_EQ(Code(Spki(n, {0x03})), std::nullopt);
  EXPECT_EQ(Code(Spki(n, {0x01})), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Spki(n, {0x00})), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Spki(n, {0x01, 0x00, 0x00})), ErrorCode::kUnsupportedPublicKey);  // even
  Bytes wide(9, 0x01);                                                             // 65 bits
  EXPECT_EQ(Code(Spki(n, wide)), ErrorCode::kUnsupportedPublicKey);
}

TEST(RsaSpki, RefusesBrokenStructure) {
  Bytes good = Spki(ModulusOf(2048), kF4);
  ASSERT_EQ(Code(good), std::nullopt);
  Bytes trailing = good;
  trailing.push_back(0x00);
  EXPECT_EQ(Code(trailing), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Bytes(good.begin(), good.end() - 1)), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Bytes{}), ErrorCode::kUnsupportedPublicKey);
  EXPECT_EQ(Code(Bytes{0x30, 0x00}), ErrorCode::kUnsupportedPublicKey);
  // Unused bits in the BIT STRING.
  Bytes unused = good;
  size_t bit_string = 2 + 2 + kRsaAlgorithm.size();  // SEQUENCE hdr (4) + algorithm
  ASSERT_EQ(unused[bit_string], kDerBitString);
  unused[bit_string + 4] = 0x01;
  EXPECT_EQ(Code(unused), ErrorCode::kUnsupportedPublicKey);
  // An RSAPublicKey with a third INTEGER, and one with only the modulus.
  Bytes n = Der(kDerInteger, {ModulusOf(2048)}), e = Der(kDerInteger, {kF4});
  for (const Bytes& rsa : {Der(kDerSequence, {n, e, e}), Der(kDerSequence, {n})}) {
    Bytes bits{0x00};
    bits.insert(bits.end(), rsa.begin(), rsa.end());
    Bytes spki = Der(kDerSequence, {kRsaAlgorithm, Der(kDerBitString, {bits})});
    EXPECT_EQ(Code(spki), ErrorCode::kUnsupportedPublicKey);
  }
  // An empty BIT STRING, and bytes after the RSAPublicKey inside it.
  Bytes empty_bits = Der(kDerSequence, {kRsaAlgorithm, Der(kDerBitString, {Bytes{}})});
  EXPECT_EQ(Code(empty_bits), ErrorCode::kUnsupportedPublicKey);
  Bytes padded_bits{0x00};
  Bytes rsa = Der(kDerSequence, {n, e});
  padded_bits.insert(padded_bits.end(), rsa.begin(), rsa.end());
  padded_bits.push_back(0x00);
  Bytes inner_trailing = Der(kDerSequence, {kRsaAlgorithm, Der(kDerBitString, {padded_bits})});
  EXPECT_EQ(Code(inner_trailing), ErrorCode::kUnsupportedPublicKey);
  // The BIT STRING followed by another element.
  Bytes extra = Der(kDerSequence, {kRsaAlgorithm, Der(kDerBitString, {Bytes{0x00}}), e});
  EXPECT_EQ(Code(extra), ErrorCode::kUnsupportedPublicKey);
}

}  // namespace
}  // namespace kb::broker
