#pragma once

// Keys that live inside a PKCS#11 token, used through it (broker/keys/token_keystore.h):
//   TokenGcmKey  an AES-256 token object, found by its label, for CKM_AES_GCM; an optional AAD
//                prefix gives each use of one object its own domain (a kms key's blob and XKS
//                ciphertexts)
//   TokenKek     the KEK ("keybroker kek", AES-256) and its derivation key ("keybroker kdk", a
//                32-byte generic secret for CKM_SHA256_HMAC); neither is extractable

#include <memory>
#include <string>

#include "broker/keys/kek.h"
#include "crypto/pkcs11/token.h"

namespace kb::broker {

class TokenGcmKey final : public GcmKey {
 public:
  // REQUIRES: `token` outlives the key.
  TokenGcmKey(pkcs11::Token& token, std::string label, std::string aad_prefix = "")
      : token_(token), label_(std::move(label)), aad_prefix_(std::move(aad_prefix)) {}
  Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
              std::span<uint8_t> out) const override;
  Result<SecretBytes> Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                           ByteSpan tag) const override;

 private:
  Bytes Aad(ByteSpan aad) const;
  pkcs11::Token& token_;
  std::string label_;
  std::string aad_prefix_;
};

inline constexpr char kTokenKekLabel[] = "keybroker kek";
inline constexpr char kTokenKdkLabel[] = "keybroker kdk";

// The token's KEK, created in it when neither object exists and `create` is set. kInternal if
// only one of the two exists, or if either could leave the token (CKA_EXTRACTABLE, or not
// CKA_SENSITIVE), or is not a 32-byte key of its type.
Result<Kek> OpenTokenKek(pkcs11::Token& token, bool create);

}  // namespace kb::broker
