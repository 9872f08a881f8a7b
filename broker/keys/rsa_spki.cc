#include "broker/keys/rsa_spki.h"

#include <algorithm>
#include <bit>

#include "broker/keys/internal/der.h"
#include "crypto/public_key_import.h"

namespace kb::broker {
namespace {

using internal::DerReader;

// AlgorithmIdentifier { rsaEncryption 1.2.840.113549.1.1.1, NULL }.
constexpr uint8_t kRsaEncryption[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                      0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

Error Unsupported(std::string message) {
  return Error{ErrorCode::kUnsupportedPublicKey, std::move(message)};
}

size_t BitLength(ByteSpan magnitude) {
  if (magnitude.empty()) return 0;
  return (magnitude.size() - 1) * 8 + size_t(std::bit_width(magnitude[0]));
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, both positive.
Result<OsslPtr<EVP_PKEY>> ParseRsaPublicKey(ByteSpan der) {
  DerReader outer(der);
  ByteSpan body, n_content, e_content;
  if (!outer.Read(internal::kDerSequence, &body) || !outer.empty()) {
    return Unsupported("public_key is not an RSA public key");
  }
  DerReader fields(body);
  if (!fields.Read(internal::kDerInteger, &n_content) ||
      !fields.Read(internal::kDerInteger, &e_content) || !fields.empty()) {
    return Unsupported("public_key is not an RSA public key");
  }
  ByteSpan n = internal::UnsignedIntegerMagnitude(n_content);
  ByteSpan e = internal::UnsignedIntegerMagnitude(e_content);
  size_t n_bits = BitLength(n), e_bits = BitLength(e);
  if (n_bits < size_t(kMinRecipientRsaBits) || n_bits > size_t(kMaxRecipientRsaBits)) {
    return Unsupported("public_key must be RSA with 2048 to 16384 bits");
  }
  if ((n.back() & 1) == 0) return Unsupported("public_key has an even RSA modulus");
  if (e_bits < 2 || e_bits > 64 || (e.back() & 1) == 0) {
    return Unsupported("public_key has an unusable RSA exponent");
  }
  OsslPtr<EVP_PKEY> key = ImportRsaPublicKey(n, e);
  if (!key) return Unsupported("public_key is not a usable RSA key");
  return key;
}

}  // namespace

Result<OsslPtr<EVP_PKEY>> ParseRsaSpki(ByteSpan der) {
  DerReader outer(der);
  ByteSpan spki, algorithm_content, algorithm, bits;
  if (!outer.Read(internal::kDerSequence, &spki) || !outer.empty()) {
    return Unsupported("public_key is not a DER SubjectPublicKeyInfo");
  }
  DerReader fields(spki);
  if (!fields.Read(internal::kDerSequence, &algorithm_content, &algorithm) ||
      !fields.Read(internal::kDerBitString, &bits) || !fields.empty()) {
    return Unsupported("public_key is not a DER SubjectPublicKeyInfo");
  }
  if (!std::equal(algorithm.begin(), algorithm.end(), std::begin(kRsaEncryption),
                  std::end(kRsaEncryption))) {
    return Unsupported("public_key must be an RSA (rsaEncryption) key");
  }
  if (bits.empty() || bits[0] != 0) {  // the count of unused bits
    return Unsupported("public_key is not a DER SubjectPublicKeyInfo");
  }
  return ParseRsaPublicKey(bits.subspan(1));
}

}  // namespace kb::broker
