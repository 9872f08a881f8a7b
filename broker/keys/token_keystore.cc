#include "broker/keys/token_keystore.h"

#include "broker/keys/sealed_keystore.h"
#include "broker/keys/token_key.h"
#include "common/encoding.h"
#include "crypto/pkcs11/operations.h"

namespace kb::broker {
namespace {

constexpr uint8_t kTokenObject = 0x02;
constexpr CK_ULONG kImportKeyBits = 3072;

std::string KmsLabelPrefix(std::string_view id, uint32_t version) {
  return "keybroker kms " + std::string(id) + " v" + std::to_string(version) + " ";
}

std::string ImportLabel(std::string_view name) { return "keybroker import " + std::string(name); }

Bytes StoredForm(const std::string& label) {
  // Sized first: GCC 12 at -O2 misreads an insert into a 1-byte vector as out of bounds.
  Bytes stored(1 + label.size());
  stored[0] = kTokenObject;
  std::copy(label.begin(), label.end(), stored.begin() + 1);
  return stored;
}

std::string_view LabelOf(ByteSpan stored) {
  if (stored.empty() || stored[0] != kTokenObject) return {};
  return {reinterpret_cast<const char*>(stored.data() + 1), stored.size() - 1};
}

pkcs11::OaepHash OaepHashOf(ImportHash hash) {
  return hash == ImportHash::kSha256 ? pkcs11::OaepHash::kSha256 : pkcs11::OaepHash::kSha1;
}

// The mechanisms the keystore cannot do without, with the use each needs.
struct Needed {
  CK_MECHANISM_TYPE mechanism;
  CK_FLAGS flags;
  const char* name;
};
constexpr Needed kNeeded[] = {
    {CKM_AES_KEY_GEN, CKF_GENERATE, "CKM_AES_KEY_GEN"},
    {CKM_AES_GCM, CKF_ENCRYPT | CKF_DECRYPT, "CKM_AES_GCM (encrypt, decrypt)"},
    {CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE, "CKM_GENERIC_SECRET_KEY_GEN"},
    {CKM_SHA256_HMAC, CKF_SIGN, "CKM_SHA256_HMAC (sign)"},
    {CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, "CKM_RSA_PKCS_KEY_PAIR_GEN"},
    {CKM_RSA_PKCS_OAEP, CKF_DECRYPT | CKF_UNWRAP, "CKM_RSA_PKCS_OAEP (decrypt, unwrap)"},
};

}  // namespace

Result<std::unique_ptr<TokenKeystore>> TokenKeystore::Open(pkcs11::Token& token, const Kek& kek,
                                                           const Random& random) {
  auto s = token.Acquire();
  if (!s) return std::move(s).error();
  std::string missing;
  for (const Needed& n : kNeeded) {
    if (!pkcs11::HasMechanism(*s, n.mechanism, n.flags)) {
      missing += (missing.empty() ? "" : ", ") + std::string(n.name);
    }
  }
  if (!missing.empty()) {
    return Error{ErrorCode::kInternal,
                 "pkcs11: token '" + token.label() + "' lacks what the keystore needs: " + missing};
  }
  TokenCapabilities caps;
  caps.oaep_sha256 = pkcs11::ProbeOaepWrap(*s, pkcs11::OaepHash::kSha256);
  return std::unique_ptr<TokenKeystore>(new TokenKeystore(token, kek, random, caps));
}

std::string TokenKeystore::ReleaseWrap(pkcs11::Token& token) {
  TokenCapabilities caps;
  if (auto s = token.Acquire(); s) {
    caps.oaep_sha256 = pkcs11::ProbeOaepWrap(*s, pkcs11::OaepHash::kSha256);
  }
  return ReleaseWrapFor(caps);
}

std::string TokenKeystore::ReleaseWrapFor(const TokenCapabilities& capabilities) {
  if (!capabilities.oaep_sha256) {
    return "software: the token cannot wrap with RSA-OAEP-SHA-256; a release key is unsealed by "
           "the token into the broker's memory for the moment of its wrap";
  }
  return "software: the token can wrap with RSA-OAEP-SHA-256, but wrapping inside the token is "
         "not implemented; a release key is unsealed by the token into the broker's memory for "
         "the moment of its wrap";
}

Status TokenKeystore::Check() {
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto kek = s->Find(CKO_SECRET_KEY, kTokenKekLabel);
  if (!kek) return std::move(kek).error();
  return Ok();
}

Result<std::string> TokenKeystore::NewKmsLabel(std::string_view id, uint32_t version) {
  // A random suffix: a version whose commit failed leaves an unused object behind, and the next
  // attempt, or a concurrent rotation that loses, never reuses or destroys another's object.
  Bytes suffix(4);
  if (auto f = random_.Fill(suffix); !f) return std::move(f).error();
  return KmsLabelPrefix(id, version) + HexEncode(suffix);
}

Result<std::string> TokenKeystore::KmsLabelOf(std::string_view id, uint32_t version,
                                              ByteSpan stored) {
  std::string_view label = LabelOf(stored);
  std::string prefix = KmsLabelPrefix(id, version);
  if (label.size() != prefix.size() + 8 || !label.starts_with(prefix) ||
      !HexDecode(label.substr(prefix.size()))) {
    return Error{ErrorCode::kInternal, "version " + std::to_string(version) + " of kms key " +
                                           std::string(id) + " is not a key of this token"};
  }
  return std::string(label);
}

Result<Bytes> TokenKeystore::Generate(std::string_view id, uint32_t version,
                                      storage::KeyPurpose purpose) {
  if (purpose == storage::KeyPurpose::kRelease) {
    SecretBytes material(SealedKeystore::kGeneratedSize);
    if (auto f = random_.Fill(material.mutable_span()); !f) return std::move(f).error();
    return kek_.Seal(id, version, material, random_);
  }
  auto label = NewKmsLabel(id, version);
  if (!label) return std::move(label).error();
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  if (auto key = pkcs11::GenerateAesKey(*s, *label); !key) return std::move(key).error();
  return StoredForm(*label);
}

Result<Bytes> TokenKeystore::Store(std::string_view id, uint32_t version,
                                   const SecretBytes& material) {
  return kek_.Seal(id, version, material, random_);
}

Result<SecretBytes> TokenKeystore::Material(std::string_view id, uint32_t version,
                                            ByteSpan stored) {
  if (!LabelOf(stored).empty()) {
    return Error{ErrorCode::kInternal, "key " + std::string(id) +
                                           " lives in the token: its "
                                           "material never leaves it"};
  }
  return kek_.Unseal(id, version, stored);
}

Result<std::unique_ptr<GcmKey>> TokenKeystore::KmsKey(std::string_view id, uint32_t version,
                                                      ByteSpan stored, KmsUse use, bool imported) {
  auto label = KmsLabelOf(id, version, stored);
  if (!label) return std::move(label).error();
  if (auto checked = CheckKmsObject(*label, imported && version == 1); !checked) {
    return std::move(checked).error();
  }
  return std::unique_ptr<GcmKey>(
      std::make_unique<TokenGcmKey>(token_, std::move(*label), std::string(KmsUseLabel(use))));
}

// Whoever can add objects to the token (its PIN is on the host's disk) and rewrite the database
// could point a new key version at an object whose value they chose: a kms object is used only
// if it cannot leave the token and, unless the key was imported, was generated inside it. Checked
// once per object the token's current opening finds.
Status TokenKeystore::CheckKmsObject(const std::string& label, bool imported) {
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto key = s->Find(CKO_SECRET_KEY, label);
  if (!key) return std::move(key).error();
  std::pair<std::string, CK_OBJECT_HANDLE> object(label, *key);
  {
    std::lock_guard lock(mu_);
    if (checked_.count(object)) return Ok();
  }
  if (auto c = pkcs11::CheckStaysInToken(*s, *key, CKK_AES, !imported, label); !c) return c;
  std::lock_guard lock(mu_);
  checked_.insert(std::move(object));
  return Ok();
}

Result<ImportKey> TokenKeystore::NewImportKey(std::string_view name) {
  std::string label = ImportLabel(name);
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto pair = pkcs11::GenerateRsaKeyPair(*s, label, kImportKeyBits);
  if (!pair) return std::move(pair).error();
  auto der = pkcs11::RsaPublicKeyDer(*s, pair->public_key);
  if (!der) return std::move(der).error();
  return ImportKey{std::move(*der), StoredForm(label)};
}

Result<std::string> TokenKeystore::ImportLabelOf(std::string_view name, ByteSpan stored) {
  std::string label = ImportLabel(name);
  if (LabelOf(stored) != label) {
    return Error{ErrorCode::kInternal, "the import key is not a key of this token"};
  }
  return label;
}

Result<SecretBytes> TokenKeystore::ImportMaterial(std::string_view name, ByteSpan stored,
                                                  ByteSpan wrapped) {
  auto label = ImportLabelOf(name, stored);
  if (!label) return std::move(label).error();
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto key = s->Find(CKO_PRIVATE_KEY, *label);
  if (!key) return std::move(key).error();
  return pkcs11::OaepDecrypt(*s, *key, OaepHashOf(import_hash()), wrapped);
}

Result<Bytes> TokenKeystore::ImportKmsKey(std::string_view name, ByteSpan stored, ByteSpan wrapped,
                                          std::string_view id) {
  auto label = ImportLabelOf(name, stored);
  if (!label) return std::move(label).error();
  auto kms_label = NewKmsLabel(id, 1);
  if (!kms_label) return std::move(kms_label).error();
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto key = s->Find(CKO_PRIVATE_KEY, *label);
  if (!key) return std::move(key).error();
  auto unwrapped =
      pkcs11::OaepUnwrapAesKey(*s, *key, OaepHashOf(import_hash()), wrapped, *kms_label);
  if (!unwrapped) return std::move(unwrapped).error();
  return StoredForm(*kms_label);
}

void TokenKeystore::DropImportKey(std::string_view name, ByteSpan stored) {
  auto label = ImportLabelOf(name, stored);
  if (!label) return;
  auto s = token_.Acquire();
  if (!s) return;
  for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
    if (auto key = s->Find(cls, *label); key) {
      (void)pkcs11::DestroyObject(*s, *key);
      s->Forget(cls, *label);
    }
  }
}

}  // namespace kb::broker
