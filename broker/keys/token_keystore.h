#pragma once

// The PKCS#11 keystore (keystore.type: pkcs11; docs/keystores.md):
//   - the KEK is a non-extractable AES-256 key in the token (broker/keys/token_key.h): every
//     sealed value of the database is sealed and unsealed by the token;
//   - a kms key's version is a non-extractable AES-256 token object labelled
//     "keybroker kms <id> v<version> <8 random hex>", generated in the token or unwrapped into it
//     at import; KMS and XKS seal and open with it inside the token (CKM_AES_GCM), each use under
//     its own AAD prefix. Its stored form is 0x02 ‖ label; a label of another key or version is
//     refused, so a stored form moved between rows does not open;
//   - a release key is sealed by the token KEK and unsealed into the broker's memory only for the
//     moment of its wrap (SecretBytes, wiped): RSA-OAEP-SHA-256 wrapping inside the token is not
//     implemented (release_wrap() says so);
//   - import keys are RSA-3072 token objects labelled "keybroker import <token hash>", unwrapping
//     with RSAES-OAEP and the best hash the token offers (SHA-256, else SHA-1).

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "broker/keys/kek.h"
#include "broker/keys/keystore.h"
#include "crypto/pkcs11/token.h"
#include "crypto/random.h"

namespace kb::broker {

// What the token can do, probed once at start-up.
struct TokenCapabilities {
  bool oaep_sha256 = false;  // RSA-OAEP with SHA-256 (C_WrapKey tried on a throwaway key)
};

class TokenKeystore final : public Keystore {
 public:
  // Checks that the token has the mechanisms the keystore needs (AES key generation, AES-GCM,
  // SHA-256 HMAC, RSA key pairs, RSA-OAEP) and probes the OAEP hashes. kInternal naming what is
  // missing. REQUIRES: every argument outlives the keystore; `kek` is the token's.
  static Result<std::unique_ptr<TokenKeystore>> Open(pkcs11::Token& token, const Kek& kek,
                                                     const Random& random);

  const TokenCapabilities& capabilities() const { return capabilities_; }
  // "software: ..." with the reason, for the start-up log and /healthz.
  std::string release_wrap() const { return ReleaseWrapFor(capabilities_); }
  // The same for a token not opened as a keystore (probed here).
  static std::string ReleaseWrap(pkcs11::Token& token);

  std::string_view kind() const override { return "pkcs11"; }
  Status Check() override;
  Result<Bytes> Generate(std::string_view id, uint32_t version,
                         storage::KeyPurpose purpose) override;
  Result<Bytes> Store(std::string_view id, uint32_t version, const SecretBytes& material) override;
  Result<SecretBytes> Material(std::string_view id, uint32_t version, ByteSpan stored) override;
  Result<std::unique_ptr<GcmKey>> KmsKey(std::string_view id, uint32_t version, ByteSpan stored,
                                         KmsUse use, bool imported = false) override;

  ImportHash import_hash() const override {
    return capabilities_.oaep_sha256 ? ImportHash::kSha256 : ImportHash::kSha1;
  }
  Result<ImportKey> NewImportKey(std::string_view name) override;
  Result<SecretBytes> ImportMaterial(std::string_view name, ByteSpan stored,
                                     ByteSpan wrapped) override;
  Result<Bytes> ImportKmsKey(std::string_view name, ByteSpan stored, ByteSpan wrapped,
                             std::string_view id) override;
  void DropImportKey(std::string_view name, ByteSpan stored) override;

 private:
  static std::string ReleaseWrapFor(const TokenCapabilities& capabilities);
  TokenKeystore(pkcs11::Token& token, const Kek& kek, const Random& random,
                TokenCapabilities capabilities)
      : token_(token), kek_(kek), random_(random), capabilities_(capabilities) {}
  // A new label for version `version` of kms key `id`.
  Result<std::string> NewKmsLabel(std::string_view id, uint32_t version);
  // The label of a kms key's stored form; kInternal unless it names exactly that key and version.
  Result<std::string> KmsLabelOf(std::string_view id, uint32_t version, ByteSpan stored);
  Result<std::string> ImportLabelOf(std::string_view name, ByteSpan stored);
  Status CheckKmsObject(const std::string& label, bool imported);

  pkcs11::Token& token_;
  const Kek& kek_;
  const Random& random_;
  TokenCapabilities capabilities_;
  std::mutex mu_;
  std::set<std::pair<std::string, CK_OBJECT_HANDLE>> checked_;  // kms objects that passed
};

}  // namespace kb::broker
