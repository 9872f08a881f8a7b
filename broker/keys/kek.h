#pragma once

// The key-encryption key: every stored key version is sealed under it with AES-256-GCM, so a
// copied database without the KEK reveals nothing. The AAD binds the key id and version, so a
// sealed blob moved to another key or version fails to open.
//
// Sealed form: 0x01 ‖ nonce (12, random) ‖ ciphertext ‖ tag (16).
// AAD: "keybroker-key\0" ‖ u32be(len(key_id)) ‖ key_id ‖ u32be(version).

#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/random.h"

namespace kb::broker {

class Kek {
 public:
  static constexpr size_t kSize = 32;

  // REQUIRES nothing; kMalformedRequest unless `key` is exactly 32 bytes.
  static Result<Kek> FromBytes(SecretBytes key);

  Result<Bytes> Seal(std::string_view key_id, uint32_t version, const SecretBytes& plaintext,
                     const Random& random) const;
  // kInternal if the blob was altered, sealed under another KEK, or for another id/version.
  Result<SecretBytes> Unseal(std::string_view key_id, uint32_t version, ByteSpan sealed) const;
  // A 32-byte key for another purpose: HKDF-SHA-256 of the KEK with `info` naming that purpose
  // (for example "keybroker audit chain v1"), so the KEK itself is used only for sealing.
  Result<SecretBytes> Derive(std::string_view info) const;

 private:
  explicit Kek(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

}  // namespace kb::broker
