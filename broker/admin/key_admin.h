#pragma once

// The admin use cases for keys: create, rotate, enable/disable, metadata (never material), and
// import without exposing the secret on the network path, as KMS ImportKeyMaterial does:
//   1. ImportParameters(id): a fresh RSA-3072 wrapping key and a one-time import token, valid
//      24 h. The keystore keeps the private half (sealed under the KEK in the row of the token's
//      hash, or inside the token).
//   2. The importer encrypts the secret to the wrapping key with RSAES-OAEP and the hash the
//      parameters name (SHA-256; SHA-1 for a token that offers no other).
//   3. Import(id, token, ciphertext): the token is consumed; a release key's secret is unwrapped
//      and stored as version 1 of the new key; a kms key (token keystore only) is unwrapped
//      straight into the token.

#include <string>
#include <vector>

#include "broker/admin/principal.h"
#include "broker/admin/quorum.h"
#include "broker/keys/key_manager.h"
#include "storage/audit_log.h"
#include "storage/import_token_store.h"
#include "storage/key_store.h"

namespace kb::broker {

struct ImportParameters {
  std::string key_id;
  Bytes wrapping_public_key;  // DER SubjectPublicKeyInfo, RSA-3072
  ImportHash wrapping_hash = ImportHash::kSha256;
  std::string import_token;  // shown once
  Time expires_at{};
};

class KeyAdmin {
 public:
  static constexpr int kWrappingKeyBits = 3072;
  static constexpr std::chrono::hours kImportTokenLifetime{24};

  // REQUIRES: every dependency outlives the object.
  KeyAdmin(KeyManager& manager, storage::KeyStore& keys, storage::ImportTokenStore& tokens,
           storage::AuditLog& audit, Quorum& quorum, Keystore& keystore, const Random& random)
      : manager_(manager),
        keys_(keys),
        tokens_(tokens),
        audit_(audit),
        quorum_(quorum),
        keystore_(keystore),
        random_(random) {}

  Status Create(const std::string& id, const KeyOptions& options, const Principal& actor, Time now);
  Result<uint32_t> Rotate(const std::string& id, const Principal& actor, Time now);
  // Immediate: a disabled key is released to nobody and serves no KMS call.
  Status Disable(const std::string& id, const Principal& actor, Time now);
  // Enabling a disabled key again widens what is released, so it needs the quorum: the first
  // call (key-manager) requests it with `actor`'s approval; the same call by principals holding
  // `approver` approves it, and the approval reaching the quorum enables the key. kConflict for
  // an enabled key; kForbidden for the wrong role at each step. Disabling voids a waiting request.
  Result<ApprovalStatus> Enable(const std::string& id, const Principal& actor, Time now);
  Result<storage::KeyRecord> Get(const std::string& id);
  Result<std::vector<storage::KeyRecord>> List();

  // kConflict if the key exists (an imported key is new; rotate it by importing under a new id).
  // Audited as key.import-parameters (the token itself is never written anywhere).
  Result<ImportParameters> CreateImportParameters(const std::string& id, const Principal& actor,
                                                  Time now);
  // kMalformedRequest for an unknown, used, expired or other key's token, a ciphertext that does
  // not unwrap, or a secret that is not 1..4096 bytes.
  Status Import(const std::string& id, const std::string& import_token, ByteSpan wrapped_secret,
                const KeyOptions& options, const Principal& actor, Time now);

 private:
  KeyManager& manager_;
  storage::KeyStore& keys_;
  storage::ImportTokenStore& tokens_;
  storage::AuditLog& audit_;
  Quorum& quorum_;
  Keystore& keystore_;
  const Random& random_;
};

}  // namespace kb::broker
