#include "broker/kms/kms_service.h"

#include "crypto/digest.h"

namespace kb::broker {
namespace {

constexpr size_t kMaxRandom = 1024;

// A release key's material is held by the workloads it was released to: were it also the root
// of KMS ciphertexts, they could decrypt or forge every one of them.
Status CheckPurpose(const storage::KeyRecord& key) {
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

DecisionFacts KmsService::Facts(std::string_view operation, const KmsCall& call) const {
  DecisionFacts facts;
  facts.time = call.now;
  facts.actor = "kms:" + call.principal;
  facts.action = "kms." + std::string(operation);
  facts.request_id = call.request_id;
  return facts;
}

template <typename T>
Result<T> KmsService::Audited(const DecisionFacts& facts, Result<T> result) {
  Verdict verdict = result ? Verdict::kAllow : Verdict::kDeny;
  std::string reasons;
  if (!result) {
    reasons = std::string(ErrorCodeName(result.error().code)) + ": " + result.error().message;
  }
  // A verified nonce is spent whatever the outcome, as on /v1/release.
  auto receipt =
      deps_.release.Record(storage::LedgerEntry{facts.nonce, facts.time, [&](const Status& nonce) {
                                                  return AuditRow(facts, verdict, reasons, nonce);
                                                }});
  if (!receipt) return Error{ErrorCode::kInternal, "the audit row could not be written"};
  if (result && !receipt->nonce) return receipt->nonce.error();
  return result;
}

Result<KmsKeyVersion> KmsService::BlobKey(std::string_view id, uint32_t version) {
  auto record = deps_.keys.Get(id);
  if (!record) return std::move(record).error();
  if (auto s = CheckPurpose(*record); !s) return std::move(s).error();
  return deps_.manager.KmsKey(*record, version, KmsUse::kBlob);
}

// The key's own flag alone decides whether plaintext may leave without a Recipient.
Result<Delivered> KmsService::Deliver(const KmsKeyVersion* key, SecretBytes secret,
                                      const std::optional<Bytes>& recipient, Time now,
                                      DecisionFacts& facts) {
  if (!recipient) {
    // Never a policy: deactivating or rolling back a policy must not turn a key's plaintext on
    // (nor a policy turn it off without the quorum).
    if (key != nullptr && key->attestation_required) {
      return Error{
          ErrorCode::kForbidden,
          "key " + key->id + " requires attestation: call with a Recipient (attestation document)"};
    }
    return Delivered{std::move(secret), std::nullopt};
  }
  Sha256Digest digest = Sha256(*recipient);
  facts.evidence_sha256 = Bytes(digest.begin(), digest.end());
  auto attested = deps_.release.Attest(EvidenceType(), *recipient, Freshness::kRecipient, now);
  if (!attested) return std::move(attested).error();
  if (!attested->fresh) return attested->fresh.error();
  const EvidenceClaims& claims = attested->evidence.claims();
  // Only an active policy naming the key can allow a Recipient: with none, nobody gets it.
  // GenerateRandom has no key, so no policy: its document must only verify.
  std::optional<PolicyVerdict> verdict;
  if (key != nullptr) {
    auto decided = deps_.release.Authorize(key->id, claims, now);
    if (!decided) return std::move(decided).error();
    if (!decided->permit) return Error{ErrorCode::kPolicyDenied, decided->reason};
    facts.policy = decided->policy;
    facts.policy_version = decided->policy_version;
    verdict = std::move(*decided);
  }
  facts.nonce = attested->nonce;
  facts.actor += " attested:" + claims.module_id;
  facts.evidence_type = std::string(PlatformName(claims.platform));
  facts.claims_sha256 = attested->claims_sha256;
  if (!claims.public_key) {
    return Error{ErrorCode::kUnsupportedPublicKey, "the attestation document has no public key"};
  }
  auto wrapped = verdict ? deps_.release.Seal(*verdict->permit, WrapFormat::kCms, secret)
                         : SealRandom(claims, secret);
  if (!wrapped) return std::move(wrapped).error();
  return Delivered{std::nullopt, std::move(*wrapped)};
}

// GenerateRandom's bytes belong to no key: no permit exists for them, and none is needed.
Result<Bytes> KmsService::SealRandom(const EvidenceClaims& claims, const SecretBytes& random) {
  return deps_.wrapper.Wrap(WrapFormat::kCms, *claims.public_key, random);
}

Result<KmsCiphertext> KmsService::Encrypt(std::string_view reference, ByteSpan plaintext,
                                          const EncryptionContext& context, const KmsCall& call) {
  DecisionFacts facts = Facts("Encrypt", call);
  auto run = [&]() -> Result<KmsCiphertext> {
    auto id = ResolveKeyId(reference);
    if (!id) return std::move(id).error();
    facts.key_id = *id;
    if (auto s = CheckGrant(call, *id, "Encrypt"); !s) return std::move(s).error();
    auto key = BlobKey(*id, 0);
    if (!key) return std::move(key).error();
    facts.key_version = key->version;
    auto blob = SealBlob({key->id, key->version}, *key->key, plaintext, context, deps_.random);
    if (!blob) return std::move(blob).error();
    return KmsCiphertext{KeyArn(key->id), std::move(*blob)};
  };
  return Audited(facts, run());
}

Result<KmsDecrypted> KmsService::Decrypt(ByteSpan blob, std::optional<std::string_view> reference,
                                         const EncryptionContext& context,
                                         const std::optional<Bytes>& recipient,
                                         const KmsCall& call) {
  DecisionFacts facts = Facts("Decrypt", call);
  auto run = [&]() -> Result<KmsDecrypted> {
    auto header = ReadBlobHeader(blob);
    if (!header) return std::move(header).error();
    facts.key_id = header->key_id;
    facts.key_version = header->key_version;
    if (auto s = CheckGrant(call, header->key_id, "Decrypt"); !s) return std::move(s).error();
    if (reference) {
      auto named = ResolveKeyId(*reference);
      if (!named) return std::move(named).error();
      if (*named != header->key_id) {
        return Error{ErrorCode::kIncorrectKey, "the ciphertext was not made with key " + *named};
      }
    }
    auto key = BlobKey(header->key_id, header->key_version);
    if (!key) return std::move(key).error();
    auto plaintext = OpenBlob(blob, *key->key, context);
    if (!plaintext) return std::move(plaintext).error();
    auto delivered = Deliver(&*key, std::move(*plaintext), recipient, call.now, facts);
    if (!delivered) return std::move(delivered).error();
    return KmsDecrypted{KeyArn(key->id), std::move(*delivered)};
  };
  return Audited(facts, run());
}

Result<KmsDataKey> KmsService::GenerateDataKey(std::string_view reference, size_t bytes,
                                               const EncryptionContext& context, bool deliver,
                                               const std::optional<Bytes>& recipient,
                                               const KmsCall& call) {
  std::string_view operation = deliver ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext";
  DecisionFacts facts = Facts(operation, call);
  auto run = [&]() -> Result<KmsDataKey> {
    auto id = ResolveKeyId(reference);
    if (!id) return std::move(id).error();
    facts.key_id = *id;
    if (auto s = CheckGrant(call, *id, operation); !s) return std::move(s).error();
    if (bytes < 1 || bytes > kMaxRandom) {
      return Error{ErrorCode::kMalformedRequest, "NumberOfBytes must be 1 to 1024"};
    }
    auto key = BlobKey(*id, 0);
    if (!key) return std::move(key).error();
    facts.key_version = key->version;
    SecretBytes data_key(bytes);
    if (auto s = deps_.random.Fill(data_key.mutable_span()); !s) return std::move(s).error();
    auto blob =
        SealBlob({key->id, key->version}, *key->key, data_key.span(), context, deps_.random);
    if (!blob) return std::move(blob).error();
    KmsDataKey out{KeyArn(key->id), std::move(*blob), std::nullopt};
    if (deliver) {
      auto delivered = Deliver(&*key, std::move(data_key), recipient, call.now, facts);
      if (!delivered) return std::move(delivered).error();
      out.secret = std::move(*delivered);
    }
    return out;
  };
  return Audited(facts, run());
}

Result<Delivered> KmsService::GenerateRandom(size_t bytes, const std::optional<Bytes>& recipient,
                                             const KmsCall& call) {
  DecisionFacts facts = Facts("GenerateRandom", call);
  auto run = [&]() -> Result<Delivered> {
    if (bytes < 1 || bytes > kMaxRandom) {
      return Error{ErrorCode::kMalformedRequest, "NumberOfBytes must be 1 to 1024"};
    }
    SecretBytes random(bytes);
    if (auto s = deps_.random.Fill(random.mutable_span()); !s) return std::move(s).error();
    return Deliver(nullptr, std::move(random), recipient, call.now, facts);
  };
  return Audited(facts, run());
}

}  // namespace kb::broker
