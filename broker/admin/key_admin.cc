#include "broker/admin/key_admin.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "broker/admin/internal/admin_audit.h"
#include "broker/keys/rsa_oaep.h"
#include "broker/keys/seal_names.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"
#include "storage/audited_change.h"

namespace kb::broker {
namespace {

// The sealed wrapping key is bound to its token: the KEK's AAD names the token's hash.
std::string SealId(const Sha256Digest& token_sha256) {
  return ImportTokenSealName(HexEncode(token_sha256));
}

Result<SecretBytes> PrivateKeyDer(EVP_PKEY* key) {
  int len = i2d_PrivateKey(key, nullptr);
  if (len <= 0) return Error{ErrorCode::kInternal, OsslErrorString("i2d_PrivateKey")};
  SecretBytes der(static_cast<size_t>(len));
  unsigned char* p = der.mutable_span().data();
  if (i2d_PrivateKey(key, &p) != len) {
    return Error{ErrorCode::kInternal, OsslErrorString("i2d_PrivateKey")};
  }
  return der;
}

Error BadToken() {
  return Error{ErrorCode::kMalformedRequest,
               "import token is unknown, used, expired or for another key"};
}

}  // namespace

Status KeyAdmin::Create(const std::string& id, const KeyOptions& options, const Principal& actor,
                        Time now) {
  return manager_.CreateGenerated(id, actor.name, now, options);
}

Result<uint32_t> KeyAdmin::Rotate(const std::string& id, const Principal& actor, Time now) {
  return manager_.Rotate(id, actor.name, now);
}

Status KeyAdmin::Disable(const std::string& id, const Principal& actor, Time now) {
  return manager_.SetEnabled(id, false, actor.name, now);
}

Result<ApprovalStatus> KeyAdmin::Enable(const std::string& id, const Principal& actor, Time now) {
  auto key = keys_.Get(id);
  if (!key) return std::move(key).error();
  if (key->enabled) return Error{ErrorCode::kConflict, "key " + id + " is enabled"};
  storage::ApprovalSubject subject{storage::ApprovalKind::kKeyEnable, id, 0};
  if (key->enable_requested) {
    if (!actor.HasAny(Roles({Role::kApprover}))) {
      return Error{ErrorCode::kForbidden,
                   "enabling key " + id + " waits for approvals, which need the approver role"};
    }
    return quorum_.Approve(subject, actor, "key.enable", now);
  }
  if (!actor.HasAny(Roles({Role::kKeyManager}))) {
    return Error{ErrorCode::kForbidden, "a key-manager requests enabling a key"};
  }
  storage::AuditRecord row =
      internal::AdminAudit("key.enable-request", actor.name, now, "key " + id);
  row.key_id = id;
  return quorum_.ChangeAndApprove(subject, actor, "key.enable", now, [&](storage::Tx& tx) {
    return storage::WithAudit(tx, audit_, std::move(row), [&](storage::Tx&, storage::AuditRecord&) {
      return keys_.RequestEnable(tx, id);
    });
  });
}

Result<storage::KeyRecord> KeyAdmin::Get(const std::string& id) { return keys_.Get(id); }

Result<std::vector<storage::KeyRecord>> KeyAdmin::List() { return keys_.List(); }

Result<ImportParameters> KeyAdmin::CreateImportParameters(const std::string& id,
                                                          const Principal& actor, Time now) {
  auto existing = keys_.Get(id);
  if (existing) return Error{ErrorCode::kConflict, "key " + id + " already exists"};
  if (existing.error().code != ErrorCode::kKeyNotFound) return std::move(existing).error();
  OsslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(kWrappingKeyBits)));
  if (!key) return Error{ErrorCode::kInternal, OsslErrorString("RSA key generation")};
  auto spki = PublicKeyDer(key.get());
  if (!spki) return std::move(spki).error();
  auto der = PrivateKeyDer(key.get());
  if (!der) return std::move(der).error();
  Bytes token(32);
  if (auto s = random_.Fill(token); !s) return std::move(s).error();
  ImportParameters params{id, std::move(*spki), HexEncode(token), now + kImportTokenLifetime};
  storage::ImportToken stored;
  stored.token_sha256 = Sha256(AsBytes(params.import_token));
  stored.key_id = id;
  stored.expires_at = params.expires_at;
  auto sealed = kek_.Seal(SealId(stored.token_sha256), kImportTokenSealVersion, *der, random_);
  if (!sealed) return std::move(sealed).error();
  stored.wrapping_key_sealed = std::move(*sealed);
  storage::AuditRecord row =
      internal::AdminAudit("key.import-parameters", actor.name, now,
                           "import token valid until " + FormatRfc3339(params.expires_at));
  row.key_id = id;
  auto added = storage::CommitWithAudit(
      quorum_.unit_of_work(), audit_, std::move(row),
      [&](storage::Tx& tx, storage::AuditRecord&) { return tokens_.Add(tx, stored, now); });
  if (!added) return std::move(added).error();
  return params;
}

Status KeyAdmin::Import(const std::string& id, const std::string& import_token,
                        ByteSpan wrapped_secret, const KeyOptions& options, const Principal& actor,
                        Time now) {
  Sha256Digest hash = Sha256(AsBytes(import_token));
  storage::ImportToken token;
  auto taken = quorum_.unit_of_work().Run([&](storage::Tx& tx) -> Status {
    auto took = tokens_.Take(tx, hash, now);
    if (!took) return std::move(took).error();
    token = std::move(*took);
    return Ok();
  });
  if (!taken) {
    if (taken.error().code == ErrorCode::kNotFound) return BadToken();
    return taken;
  }
  if (token.key_id != id) return BadToken();
  auto der = kek_.Unseal(SealId(hash), kImportTokenSealVersion, token.wrapping_key_sealed);
  if (!der) return std::move(der).error();
  const unsigned char* p = der->span().data();
  OsslPtr<EVP_PKEY> key(d2i_AutoPrivateKey(nullptr, &p, long(der->size())));
  if (!key) return Error{ErrorCode::kInternal, OsslErrorString("stored wrapping key")};
  auto secret = OaepSha256Decrypt(key.get(), wrapped_secret);
  if (!secret) return std::move(secret).error();
  return manager_.Import(id, *secret, actor.name, now, options);
}

}  // namespace kb::broker
