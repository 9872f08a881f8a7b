#pragma once

// Key lifecycle: create (256-bit from the DRBG, or an imported opaque secret of 1..4096 bytes),
// rotate (a new current version; older versions stay), enable/disable, and unsealing for
// release. Material is sealed under the KEK before it reaches storage and every change is an
// audit row; plaintext exists only in SecretBytes, only here.

#include <optional>
#include <string>
#include <string_view>

#include "broker/keys/kek.h"
#include "common/result.h"
#include "crypto/random.h"
#include "storage/audit_log.h"
#include "storage/key_store.h"
#include "storage/unit_of_work.h"

namespace kb::broker {

struct UnsealedKey {
  std::string id;
  uint32_t version;
  SecretBytes material;
  storage::KeyPurpose purpose = storage::KeyPurpose::kRelease;
  bool attestation_required = true;
};

// What is fixed when a key is created. attestation_required: false is for kms keys only.
struct KeyOptions {
  storage::KeyPurpose purpose = storage::KeyPurpose::kRelease;
  bool attestation_required = true;
};

class KeyManager {
 public:
  static constexpr size_t kGeneratedSize = 32;
  static constexpr size_t kMaxImportSize = 4096;

  // Each change commits together with its audit row through `unit_of_work`.
  // REQUIRES: all references outlive the manager.
  KeyManager(storage::KeyStore& keys, storage::AuditLog& audit, storage::UnitOfWork& unit_of_work,
             const Kek& kek, const Random& random)
      : keys_(keys), audit_(audit), unit_of_work_(unit_of_work), kek_(kek), random_(random) {}

  // kMalformedRequest for an invalid id, a release key without attestation, or (Import) a kms key:
  // kms keys are only generated, so that no material of theirs exists outside the broker.
  Status CreateGenerated(std::string_view id, std::string_view actor, Time now,
                         KeyOptions options = {});
  Status Import(std::string_view id, const SecretBytes& material, std::string_view actor, Time now,
                KeyOptions options = {});
  // Returns the new version.
  Result<uint32_t> Rotate(std::string_view id, std::string_view actor, Time now);
  Status SetEnabled(std::string_view id, bool enabled, std::string_view actor, Time now);

  // The current version, unsealed. kKeyNotFound, kKeyDisabled, or kInternal if it will not
  // unseal (wrong KEK, tampered row).
  Result<UnsealedKey> UnsealCurrent(std::string_view id);
  // The current version of a key of `purpose`, unsealed; kWrongKeyPurpose, before anything is
  // unsealed, for a key of the other purpose.
  Result<UnsealedKey> UnsealCurrent(std::string_view id, storage::KeyPurpose purpose);
  // A given version (KMS Decrypt of a blob made before a rotation). kKeyNotFound if the key or
  // the version does not exist; kKeyDisabled if the key is disabled.
  Result<UnsealedKey> Unseal(std::string_view id, uint32_t version,  // 0: the current one
                             std::optional<storage::KeyPurpose> purpose = std::nullopt);
  // The same, for a record the caller has just read (one read fewer).
  Result<UnsealedKey> Unseal(const storage::KeyRecord& key, uint32_t version,
                             std::optional<storage::KeyPurpose> purpose = std::nullopt);
  // The key's metadata. kKeyNotFound if absent.
  Result<storage::KeyRecord> Get(std::string_view id) { return keys_.Get(id); }

 private:
  Status Create(std::string_view id, const SecretBytes& material, const char* origin,
                std::string_view actor, Time now, KeyOptions options);
  // The audit row of a change to key `id`, committed with it (storage::CommitWithAudit).
  static storage::AuditRecord KeyAudit(std::string_view action, std::string_view id,
                                       uint32_t version, std::string_view actor, Time now,
                                       std::string reasons = "");

  storage::KeyStore& keys_;
  storage::AuditLog& audit_;
  storage::UnitOfWork& unit_of_work_;
  const Kek& kek_;
  const Random& random_;
};

}  // namespace kb::broker
