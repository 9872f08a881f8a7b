#include "broker/kms/kms_service.h"

#include <boost/json.hpp>

#include "broker/evidence/claims_json.h"
#include "crypto/digest.h"

namespace kb::broker {
namespace {

constexpr size_t kMaxRandom = 1024;

Bytes DigestOf(ByteSpan data) {
  Sha256Digest d = Sha256(data);
  return Bytes(d.begin(), d.end());
}

// A release key's material is held by the workloads it was released to: were it also the root
// of KMS ciphertexts, they could decrypt or forge every one of them.
template <typename Key>  // storage::KeyRecord or UnsealedKey
Status CheckPurpose(const Key& key) {
  if (key.purpose == storage::KeyPurpose::kKms) return Ok();
  return Error{ErrorCode::kWrongKeyPurpose,
               "key " + key.id +
                   " has purpose release: it is released to attested workloads through "
                   "/v1/release and is not usable through the KMS API"};
}

}  // namespace

Result<std::string> KmsService::ResolveKeyId(std::string_view reference) const {
  std::string prefix =
      "arn:aws:kms:" + deps_.location.region + ":" + deps_.location.account_id + ":";
  std::string_view name = reference;
  if (name.starts_with("arn:")) {
    if (!name.starts_with(prefix)) {
      return Error{ErrorCode::kKeyNotFound, "the ARN is not of this region and account"};
    }
    name.remove_prefix(prefix.size());
    if (name.starts_with("key/")) {
      name.remove_prefix(4);
    } else if (!name.starts_with("alias/")) {
      return Error{ErrorCode::kKeyNotFound, "not a key or alias ARN"};
    }
  }
  if (name.starts_with("alias/")) name.remove_prefix(6);  // alias/NAME names the key NAME
  if (name.empty()) return Error{ErrorCode::kKeyNotFound, "empty key id"};
  return std::string(name);
}

std::string KmsService::KeyArn(std::string_view key_id) const {
  return "arn:aws:kms:" + deps_.location.region + ":" + deps_.location.account_id + ":key/" +
         std::string(key_id);
}

std::string KmsService::AliasArn(std::string_view key_id) const {
  return "arn:aws:kms:" + deps_.location.region + ":" + deps_.location.account_id + ":alias/" +
         std::string(key_id);
}

Status KmsService::CheckGrant(const KmsCall& call, const std::string& key_id,
                              std::string_view operation) {
  auto allowed = deps_.grants.Allows(call.principal, key_id, operation);
  if (!allowed) return std::move(allowed).error();
  if (*allowed) return Ok();
  // The same answer whether or not the key exists: a caller learns nothing about keys it was
  // not granted.
  return Error{ErrorCode::kForbidden,
               call.principal + " is not granted " + std::string(operation) + " on key " + key_id};
}

Result<KmsKey> KmsService::Describe(std::string_view reference, const KmsCall& call) {
  auto id = ResolveKeyId(reference);
  if (!id) return std::move(id).error();
  if (auto s = CheckGrant(call, *id, "DescribeKey"); !s) return std::move(s).error();
  auto key = deps_.keys.Get(*id);
  if (!key) return std::move(key).error();
  if (auto s = CheckPurpose(*key); !s) return std::move(s).error();
  return KmsKey{key->id, KeyArn(key->id), key->enabled, key->created_at, key->origin};
}

Result<std::vector<KmsKey>> KmsService::List(const KmsCall& call) {
  auto granted = deps_.grants.GrantedKeys(call.principal);
  if (!granted) return std::move(granted).error();
  std::vector<KmsKey> out;
  for (const auto& id : *granted) {
    auto k = deps_.keys.Get(id);
    if (!k) return std::move(k).error();
    if (k->purpose != storage::KeyPurpose::kKms) continue;
    out.push_back({k->id, KeyArn(k->id), k->enabled, k->created_at, k->origin});
  }
  return out;
}

KmsService::CallRecord KmsService::Record(std::string_view operation, const KmsCall& call) const {
  CallRecord record;
  record.row.time = call.now;
  record.row.actor = "kms:" + call.principal;
  record.row.action = "kms." + std::string(operation);
  record.row.request_id = call.request_id;
  return record;
}

template <typename T>
Result<T> KmsService::Audited(CallRecord& record, Time now, Result<T> result) {
  storage::AuditRecord& row = record.row;
  row.decision = result ? "allow" : "deny";
  if (!result) {
    row.reasons = std::string(ErrorCodeName(result.error().code)) + ": " + result.error().message;
  }
  // A verified nonce is spent whatever the outcome, as on /v1/release.
  auto entry = deps_.ledger.Commit({std::move(record.nonce), now, std::move(row)});
  if (!entry) return Error{ErrorCode::kInternal, "the audit row could not be written"};
  if (result && !entry->nonce_status) return entry->nonce_status.error();
  return result;
}

// The key's own flag decides; an active policy that requires attestation for the key can only
// add to it (a policy can narrow who gets plaintext, never widen it).
Result<Delivered> KmsService::Deliver(const UnsealedKey* key, SecretBytes secret,
                                      const std::optional<Bytes>& recipient, Time now,
                                      CallRecord& record) {
  storage::AuditRecord& row = record.row;
  if (!recipient) {
    // The key's own flag alone decides, never a policy: deactivating or rolling back a policy
    // must not turn a key's plaintext on (nor a policy turn it off without the quorum).
    if (key != nullptr && key->attestation_required) {
      return Error{
          ErrorCode::kForbidden,
          "key " + key->id + " requires attestation: call with a Recipient (attestation document)"};
    }
    return Delivered{std::move(secret), std::nullopt};
  }
  row.evidence_sha256 = DigestOf(*recipient);
  std::optional<ReleaseService::FreshRecipient> fresh;
  if (key == nullptr) {  // GenerateRandom: no key, no policy; the document must verify
    auto verified = deps_.release.VerifyRecipient(*recipient, now);
    if (!verified) return std::move(verified).error();
    fresh = std::move(*verified);
  } else {
    // Only an active policy naming the key can allow a Recipient: with none, nobody gets it.
    auto attested = deps_.release.AuthorizeRecipient(key->id, *recipient, now);
    if (!attested) return std::move(attested).error();
    row.policy = attested->policy;
    row.policy_version = uint32_t(attested->policy_version);
    fresh = std::move(attested->recipient);
  }
  const EvidenceClaims& claims = fresh->evidence.claims();
  record.nonce = fresh->nonce;
  row.actor += " attested:" + claims.module_id;
  row.evidence_type = std::string(PlatformName(claims.platform));
  row.claims_sha256 = DigestOf(AsBytes(boost::json::serialize(ClaimsToJson(claims))));
  if (!claims.public_key) {
    return Error{ErrorCode::kUnsupportedPublicKey, "the attestation document has no public key"};
  }
  auto wrapped = deps_.wrapper.Wrap(WrapFormat::kCms, *claims.public_key, secret);
  if (!wrapped) return std::move(wrapped).error();
  return Delivered{std::nullopt, std::move(*wrapped)};
}

Result<KmsCiphertext> KmsService::Encrypt(std::string_view reference, ByteSpan plaintext,
                                          const EncryptionContext& context, const KmsCall& call) {
  CallRecord record = Record("Encrypt", call);
  storage::AuditRecord& row = record.row;
  auto run = [&]() -> Result<KmsCiphertext> {
    auto id = ResolveKeyId(reference);
    if (!id) return std::move(id).error();
    row.key_id = *id;
    if (auto s = CheckGrant(call, *id, "Encrypt"); !s) return std::move(s).error();
    auto key = deps_.manager.UnsealCurrent(*id);
    if (!key) return std::move(key).error();
    if (auto s = CheckPurpose(*key); !s) return std::move(s).error();
    row.key_version = key->version;
    auto blob = SealBlob({key->id, key->version}, key->material, plaintext, context, deps_.random);
    if (!blob) return std::move(blob).error();
    return KmsCiphertext{KeyArn(key->id), std::move(*blob)};
  };
  return Audited(record, call.now, run());
}

Result<KmsDecrypted> KmsService::Decrypt(ByteSpan blob, std::optional<std::string_view> reference,
                                         const EncryptionContext& context,
                                         const std::optional<Bytes>& recipient,
                                         const KmsCall& call) {
  CallRecord record = Record("Decrypt", call);
  storage::AuditRecord& row = record.row;
  auto run = [&]() -> Result<KmsDecrypted> {
    auto header = ReadBlobHeader(blob);
    if (!header) return std::move(header).error();
    row.key_id = header->key_id;
    row.key_version = header->key_version;
    if (auto s = CheckGrant(call, header->key_id, "Decrypt"); !s) return std::move(s).error();
    if (reference) {
      auto named = ResolveKeyId(*reference);
      if (!named) return std::move(named).error();
      if (*named != header->key_id) {
        return Error{ErrorCode::kIncorrectKey, "the ciphertext was not made with key " + *named};
      }
    }
    auto key = deps_.manager.Unseal(header->key_id, header->key_version);
    if (!key) return std::move(key).error();
    if (auto s = CheckPurpose(*key); !s) return std::move(s).error();
    auto plaintext = OpenBlob(blob, key->material, context);
    if (!plaintext) return std::move(plaintext).error();
    auto delivered = Deliver(&*key, std::move(*plaintext), recipient, call.now, record);
    if (!delivered) return std::move(delivered).error();
    return KmsDecrypted{KeyArn(key->id), std::move(*delivered)};
  };
  return Audited(record, call.now, run());
}

Result<KmsDataKey> KmsService::GenerateDataKey(std::string_view reference, size_t bytes,
                                               const EncryptionContext& context, bool deliver,
                                               const std::optional<Bytes>& recipient,
                                               const KmsCall& call) {
  std::string_view operation = deliver ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext";
  CallRecord record = Record(operation, call);
  storage::AuditRecord& row = record.row;
  auto run = [&]() -> Result<KmsDataKey> {
    auto id = ResolveKeyId(reference);
    if (!id) return std::move(id).error();
    row.key_id = *id;
    if (auto s = CheckGrant(call, *id, operation); !s) return std::move(s).error();
    if (bytes < 1 || bytes > kMaxRandom) {
      return Error{ErrorCode::kMalformedRequest, "NumberOfBytes must be 1 to 1024"};
    }
    auto key = deps_.manager.UnsealCurrent(*id);
    if (!key) return std::move(key).error();
    if (auto s = CheckPurpose(*key); !s) return std::move(s).error();
    row.key_version = key->version;
    SecretBytes data_key(bytes);
    if (auto s = deps_.random.Fill(data_key.mutable_span()); !s) return std::move(s).error();
    auto blob =
        SealBlob({key->id, key->version}, key->material, data_key.span(), context, deps_.random);
    if (!blob) return std::move(blob).error();
    KmsDataKey out{KeyArn(key->id), std::move(*blob), std::nullopt};
    if (deliver) {
      auto delivered = Deliver(&*key, std::move(data_key), recipient, call.now, record);
      if (!delivered) return std::move(delivered).error();
      out.secret = std::move(*delivered);
    }
    return out;
  };
  return Audited(record, call.now, run());
}

Result<Delivered> KmsService::GenerateRandom(size_t bytes, const std::optional<Bytes>& recipient,
                                             const KmsCall& call) {
  CallRecord record = Record("GenerateRandom", call);
  auto run = [&]() -> Result<Delivered> {
    if (bytes < 1 || bytes > kMaxRandom) {
      return Error{ErrorCode::kMalformedRequest, "NumberOfBytes must be 1 to 1024"};
    }
    SecretBytes random(bytes);
    if (auto s = deps_.random.Fill(random.mutable_span()); !s) return std::move(s).error();
    return Deliver(nullptr, std::move(random), recipient, call.now, record);
  };
  return Audited(record, call.now, run());
}

}  // namespace kb::broker
