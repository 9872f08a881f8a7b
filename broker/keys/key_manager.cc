#include "broker/keys/key_manager.h"

#include "policy/reference.h"

namespace kb::broker {

Status KeyManager::Audit(std::string_view action, std::string_view id, uint32_t version,
                         std::string_view actor, Time now, std::string reasons) {
  storage::AuditRecord row;
  row.time = now;
  row.actor = std::string(actor);
  row.action = std::string(action);
  row.key_id = std::string(id);
  row.key_version = version;
  row.decision = "ok";
  row.reasons = std::move(reasons);
  auto appended = audit_.Append(std::move(row));
  if (!appended) return std::move(appended).error();
  return Ok();
}

Status KeyManager::Create(std::string_view id, const SecretBytes& material, const char* origin,
                          std::string_view actor, Time now, KeyOptions options) {
  if (!policy::IsValidName(id)) {
    return Error{ErrorCode::kMalformedRequest, "key id is invalid: '" + std::string(id) + "'"};
  }
  // A release key is by definition released only to attested workloads.
  if (options.purpose == storage::KeyPurpose::kRelease && !options.attestation_required) {
    return Error{ErrorCode::kMalformedRequest,
                 "attestation_required: false is for kms keys only; a release key is always "
                 "released to attested workloads"};
  }
  auto sealed = kek_.Seal(id, 1, material, random_);
  if (!sealed) return std::move(sealed).error();
  storage::KeyRecord record{std::string(id),
                            origin,
                            true,
                            1,
                            now,
                            std::string(actor),
                            options.purpose,
                            options.attestation_required};
  return unit_of_work_.Run([&]() -> Status {
    if (auto s = keys_.Create(record, *sealed); !s) return s;
    std::string purpose(storage::KeyPurposeName(options.purpose));
    return Audit(
        "key.create", id, 1, actor, now,
        "purpose " + purpose + (options.attestation_required ? "" : ", attestation not required"));
  });
}

Status KeyManager::CreateGenerated(std::string_view id, std::string_view actor, Time now,
                                   KeyOptions options) {
  SecretBytes material(kGeneratedSize);
  if (auto s = random_.Fill(material.mutable_span()); !s) return s;
  return Create(id, material, "generated", actor, now, options);
}

Status KeyManager::Import(std::string_view id, const SecretBytes& material, std::string_view actor,
                          Time now, KeyOptions options) {
  if (material.empty() || material.size() > kMaxImportSize) {
    return Error{ErrorCode::kMalformedRequest, "an imported key has 1..4096 bytes"};
  }
  return Create(id, material, "imported", actor, now, options);
}

Result<uint32_t> KeyManager::Rotate(std::string_view id, std::string_view actor, Time now) {
  auto key = keys_.Get(id);
  if (!key) return std::move(key).error();
  if (key->origin != "generated") {
    return Error{ErrorCode::kConflict, "an imported key is rotated by importing a new key"};
  }
  uint32_t version = key->current_version + 1;
  SecretBytes material(kGeneratedSize);
  if (auto s = random_.Fill(material.mutable_span()); !s) return std::move(s).error();
  auto sealed = kek_.Seal(id, version, material, random_);
  if (!sealed) return std::move(sealed).error();
  auto rotated = unit_of_work_.Run([&]() -> Status {
    if (auto s = keys_.AddVersion(id, version, *sealed, now); !s) return s;
    return Audit("key.rotate", id, version, actor, now);
  });
  if (!rotated) return std::move(rotated).error();
  return version;
}

Status KeyManager::SetEnabled(std::string_view id, bool enabled, std::string_view actor, Time now) {
  auto key = keys_.Get(id);
  if (!key) return std::move(key).error();
  return unit_of_work_.Run([&]() -> Status {
    if (auto s = keys_.SetEnabled(id, enabled); !s) return s;
    return Audit(enabled ? "key.enable" : "key.disable", id, key->current_version, actor, now);
  });
}

Result<UnsealedKey> KeyManager::UnsealCurrent(std::string_view id) { return Unseal(id, 0); }

Result<UnsealedKey> KeyManager::Unseal(std::string_view id, uint32_t version) {
  auto key = keys_.Get(id);
  if (!key) return std::move(key).error();
  if (!key->enabled) return Error{ErrorCode::kKeyDisabled, "key " + key->id + " is disabled"};
  if (version == 0) version = key->current_version;
  if (version > key->current_version) {
    return Error{ErrorCode::kKeyNotFound, "key " + key->id + " has no such version"};
  }
  auto sealed = keys_.GetSealed(id, version);
  if (!sealed) return std::move(sealed).error();
  auto material = kek_.Unseal(id, version, *sealed);
  if (!material) return std::move(material).error();
  return UnsealedKey{key->id, version, std::move(*material), key->purpose,
                     key->attestation_required};
}

}  // namespace kb::broker
