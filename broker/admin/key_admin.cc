#include "broker/admin/key_admin.h"

#include "broker/admin/internal/admin_audit.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "storage/audited_change.h"

namespace kb::broker {
namespace {

// The wrapping key is named by its token's hash: the KEK's AAD, or the token object's label.
std::string ImportKeyName(const Sha256Digest& token_sha256) { return HexEncode(token_sha256); }

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
  Bytes token(32);
  if (auto s = random_.Fill(token); !s) return std::move(s).error();
  storage::ImportToken stored;
  stored.token_sha256 = Sha256(AsBytes(HexEncode(token)));
  stored.key_id = id;
  stored.expires_at = now + kImportTokenLifetime;
  auto key = keystore_.NewImportKey(ImportKeyName(stored.token_sha256));
  if (!key) return std::move(key).error();
  ImportParameters params{id, std::move(key->public_key_der), keystore_.import_hash(),
                          HexEncode(token), stored.expires_at};
  stored.wrapping_key_sealed = std::move(key->stored);
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
  std::string name = ImportKeyName(hash);
  if (token.key_id != id) {
    keystore_.DropImportKey(name, token.wrapping_key_sealed);  // the token is spent either way
    return BadToken();
  }
  Status imported = Ok();
  if (options.purpose == storage::KeyPurpose::kKms) {
    imported = manager_.ImportKms(id, name, token.wrapping_key_sealed, wrapped_secret, actor.name,
                                  now, options);
  } else {
    auto secret = keystore_.ImportMaterial(name, token.wrapping_key_sealed, wrapped_secret);
    imported = secret ? manager_.Import(id, *secret, actor.name, now, options)
                      : Status(std::move(secret).error());
  }
  keystore_.DropImportKey(name, token.wrapping_key_sealed);  // the token is used either way
  return imported;
}

}  // namespace kb::broker
