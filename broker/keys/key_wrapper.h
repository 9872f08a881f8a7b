#pragma once

// Wrapping a released key to the public key inside an attestation, so that only the attested
// environment can read it.
//
//   kCms         CMS EnvelopedData (RFC 5652) as AWS KMS returns CiphertextForRecipient: one
//                KeyTransRecipientInfo v2 identified by a 32-byte subjectKeyIdentifier
//                (SHA-256 of the recipient's SubjectPublicKeyInfo), RSAES-OAEP with SHA-256 and
//                MGF1-SHA-256, content AES-256-CBC. `openssl cms -decrypt` and the Nitro Enclaves
//                SDK unwrap it.
//   kRsaOaep256  the key bytes directly under RSA-OAEP-SHA-256 (up to 190 bytes for RSA-2048).

#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ossl.h"
#include "crypto/random.h"

namespace kb::broker {

enum class WrapFormat { kCms, kRsaOaep256 };

// "cms" | "rsa-oaep-256".
std::optional<WrapFormat> ParseWrapFormat(std::string_view name);
std::string_view WrapFormatName(WrapFormat format);

// Thread-safe; create once and share.
class KeyWrapper {
 public:
  static Result<KeyWrapper> Create();

  // kUnsupportedPublicKey unless `spki_der` is an RSA key that ParseRsaSpki accepts (2048 to
  // 16384 bits); kMalformedRequest if the secret cannot fit (rsa-oaep-256).
  Result<Bytes> Wrap(WrapFormat format, ByteSpan spki_der, const SecretBytes& secret) const;

 private:
  explicit KeyWrapper(OsslPtr<EVP_CIPHER> aes_256_cbc) : aes_256_cbc_(std::move(aes_256_cbc)) {}
  OsslPtr<EVP_CIPHER> aes_256_cbc_;  // fetched once: an implicit fetch takes a lock per call
  OsslRandom random_;
};

}  // namespace kb::broker
