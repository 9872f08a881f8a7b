#pragma once

// Where key material lives, behind one interface (docs/keystores.md):
//
//   SealedKeystore (keystore.type: sqlite, the default): every key version is 32 bytes (or an
//     imported secret) sealed under the KEK in the database; the broker unseals it to use it.
//   TokenKeystore (keystore.type: pkcs11): the KEK is a non-extractable key inside a PKCS#11
//     token. kms keys are non-extractable token objects, and KMS and XKS encrypt and decrypt run
//     inside the token; release keys are sealed by the token and unsealed only for the moment of
//     their wrap.
//
// Each key version's stored form (key_versions.sealed) is what the keystore returned for it:
//   0x01 ‖ nonce ‖ ciphertext ‖ tag   sealed under the KEK (broker/keys/kek.h)
//   0x02 ‖ label                      a token object, found by its label, which binds the key id
//                                     and version (so a stored form moved to another key fails)

#include <memory>
#include <string>
#include <string_view>

#include "broker/keys/gcm_key.h"
#include "common/bytes.h"
#include "common/result.h"
#include "storage/key_store.h"

namespace kb::broker {

// What a kms key's AES-GCM key serves. Each use has its own key (HKDF info for a sealed key; a
// prefix of the AAD for a token key), so that no ciphertext of one use opens as another's.
enum class KmsUse { kBlob, kXks };
std::string_view KmsUseLabel(KmsUse use);  // "keybroker kms blob v1" | "keybroker xks v1"

// The one-time RSA-3072 key that an importer wraps key material to.
struct ImportKey {
  Bytes public_key_der;  // SubjectPublicKeyInfo
  Bytes stored;          // the private half, as the keystore keeps it
};

// The hash of RSAES-OAEP that import wrapping uses: what the keystore can unwrap.
enum class ImportHash { kSha1, kSha256 };
std::string_view ImportAlgorithmName(ImportHash hash);  // "RSAES_OAEP_SHA_1" | "…_SHA_256"

class Keystore {
 public:
  virtual ~Keystore() = default;

  // "sqlite" | "pkcs11".
  virtual std::string_view kind() const = 0;
  // Whether the keys can be used now (the token answers and holds the KEK); kInternal with the
  // cause otherwise.
  virtual Status Check() = 0;

  // The stored form of a new, generated version of key `id`.
  virtual Result<Bytes> Generate(std::string_view id, uint32_t version,
                                 storage::KeyPurpose purpose) = 0;
  // The stored form of imported material for a release key.
  virtual Result<Bytes> Store(std::string_view id, uint32_t version,
                              const SecretBytes& material) = 0;
  // A release key's material, for the moment of its wrap. kInternal if it will not unseal.
  virtual Result<SecretBytes> Material(std::string_view id, uint32_t version, ByteSpan stored) = 0;
  // The AES-GCM key of a kms key's version for `use`. kWrongKeyPurpose if the material is no
  // AES-256 key (an XKS key must be); kInternal if it cannot be found or unsealed.
  // `imported`: the key record says its material came from outside (a token then accepts an
  // object it did not generate, for version 1 only).
  virtual Result<std::unique_ptr<GcmKey>> KmsKey(std::string_view id, uint32_t version,
                                                 ByteSpan stored, KmsUse use,
                                                 bool imported = false) = 0;

  // Import wrapping (KeyAdmin): a new RSA-3072 key named `name`; what it unwraps.
  virtual ImportHash import_hash() const = 0;
  virtual Result<ImportKey> NewImportKey(std::string_view name) = 0;
  // A release key's material wrapped to the import key. kMalformedRequest if it does not unwrap.
  virtual Result<SecretBytes> ImportMaterial(std::string_view name, ByteSpan stored,
                                             ByteSpan wrapped) = 0;
  // A kms key's 32 bytes wrapped to the import key, unwrapped where the keystore keeps kms keys;
  // the stored form of version 1 of `id`. kMalformedRequest where kms keys are never imported.
  virtual Result<Bytes> ImportKmsKey(std::string_view name, ByteSpan stored, ByteSpan wrapped,
                                     std::string_view id) = 0;
  // Deletes the import key once used (a no-op where it lives only in the database row).
  virtual void DropImportKey(std::string_view name, ByteSpan stored) = 0;
};

}  // namespace kb::broker
