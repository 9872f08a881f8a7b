#pragma once

// An AES-256-GCM key that seals and opens without its holder touching the key: 32 bytes in the
// broker's memory (SoftwareGcmKey), or an object inside a PKCS#11 token (broker/keys/
// token_keystore.h). The formats built on it (the KEK's sealed values, KMS ciphertext blobs, XKS
// ciphertexts) own the layout and the nonce.

#include <memory>
#include <span>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

class GcmKey {
 public:
  virtual ~GcmKey() = default;
  // Writes ciphertext ‖ tag (plaintext.size() + 16 bytes) into `out`. REQUIRES: a 12-byte nonce.
  virtual Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                      std::span<uint8_t> out) const = 0;
  // The plaintext; kInvalidCiphertext if the tag does not verify (nothing of it is returned),
  // kInternal if the key could not be used (a token error, logged by the caller).
  virtual Result<SecretBytes> Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                                   ByteSpan tag) const = 0;
};

class SoftwareGcmKey final : public GcmKey {
 public:
  // REQUIRES: 32 bytes.
  explicit SoftwareGcmKey(SecretBytes key) : key_(std::move(key)) {}
  Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
              std::span<uint8_t> out) const override;
  Result<SecretBytes> Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                           ByteSpan tag) const override;

 private:
  SecretBytes key_;
};

}  // namespace kb::broker
