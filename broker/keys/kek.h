#pragma once

// The key-encryption key: every stored key version is sealed under it with AES-256-GCM, so a
// copied database without the KEK reveals nothing. The AAD binds the key id and version, so a
// sealed blob moved to another key or version fails to open.
//
// Sealed form: 0x01 ‖ nonce (12, random) ‖ ciphertext ‖ tag (16).
// AAD: "keybroker-key\0" ‖ u32be(len(key_id)) ‖ key_id ‖ u32be(version).
//
// The KEK is 32 bytes from a file (FromBytes), or a non-extractable AES-256 key inside a PKCS#11
// token (FromBackend with broker/keys/token_key.h): the sealed form is the same, only who runs
// AES-GCM differs.

#include <memory>
#include <string_view>

#include "broker/keys/gcm_key.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/random.h"

namespace kb::broker {

// What seals under a KEK, and derives its keys for other purposes.
class KekBackend : public GcmKey {
 public:
  // 32 bytes that only this KEK yields for `info`.
  virtual Result<SecretBytes> Derive(std::string_view info) const = 0;
};

class Kek {
 public:
  static constexpr size_t kSize = 32;

  // REQUIRES nothing; kMalformedRequest unless `key` is exactly 32 bytes.
  static Result<Kek> FromBytes(SecretBytes key);
  // REQUIRES: a non-null backend.
  static Kek FromBackend(std::unique_ptr<const KekBackend> backend) {
    return Kek(std::move(backend));
  }

  Result<Bytes> Seal(std::string_view key_id, uint32_t version, const SecretBytes& plaintext,
                     const Random& random) const;
  // kInternal if the blob was altered, sealed under another KEK, or for another id/version.
  Result<SecretBytes> Unseal(std::string_view key_id, uint32_t version, ByteSpan sealed) const;
  // A 32-byte key for another purpose, named by `info` (for example "keybroker audit chain v1"),
  // so that the KEK itself is used only for sealing: HKDF-SHA-256 of a file KEK; HMAC-SHA-256
  // under the token's derivation key for a token KEK.
  Result<SecretBytes> Derive(std::string_view info) const { return backend_->Derive(info); }

 private:
  explicit Kek(std::unique_ptr<const KekBackend> backend) : backend_(std::move(backend)) {}
  std::unique_ptr<const KekBackend> backend_;
};

}  // namespace kb::broker
