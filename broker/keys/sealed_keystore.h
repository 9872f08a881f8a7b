#pragma once

// The default keystore (keystore.type: sqlite): key material sealed under the KEK in the
// database, unsealed in the broker's memory (SecretBytes, wiped after use) to be used. A kms key's
// AES-GCM keys are HKDF-SHA-256 of its material, one per use.

#include "broker/keys/kek.h"
#include "broker/keys/keystore.h"
#include "crypto/random.h"

namespace kb::broker {

class SealedKeystore final : public Keystore {
 public:
  static constexpr size_t kGeneratedSize = 32;

  // REQUIRES: both outlive the keystore.
  SealedKeystore(const Kek& kek, const Random& random) : kek_(kek), random_(random) {}

  std::string_view kind() const override { return "sqlite"; }
  Status Check() override { return Ok(); }
  Result<Bytes> Generate(std::string_view id, uint32_t version,
                         storage::KeyPurpose purpose) override;
  Result<Bytes> Store(std::string_view id, uint32_t version, const SecretBytes& material) override;
  Result<SecretBytes> Material(std::string_view id, uint32_t version, ByteSpan stored) override;
  Result<std::unique_ptr<GcmKey>> KmsKey(std::string_view id, uint32_t version, ByteSpan stored,
                                         KmsUse use, bool imported = false) override;

  ImportHash import_hash() const override { return ImportHash::kSha256; }
  Result<ImportKey> NewImportKey(std::string_view name) override;
  Result<SecretBytes> ImportMaterial(std::string_view name, ByteSpan stored,
                                     ByteSpan wrapped) override;
  Result<Bytes> ImportKmsKey(std::string_view name, ByteSpan stored, ByteSpan wrapped,
                             std::string_view id) override;
  void DropImportKey(std::string_view, ByteSpan) override {}

 private:
  const Kek& kek_;
  const Random& random_;
};

}  // namespace kb::broker
