#include "broker/xks/xks_service.h"

#include "crypto/aes_gcm.h"
#include "crypto/ct.h"

namespace kb::broker {
namespace {

constexpr size_t kMaxLoggedField = 2048;  // awsPrincipalArn's length in the specification

std::string Field(const XksCall& call, std::string_view name) {
  auto it = call.metadata.find(name);
  if (it == call.metadata.end()) return "";
  return it->second.substr(0, kMaxLoggedField);
}

Error Denied(const std::string& reason) { return Error{ErrorCode::kPolicyDenied, reason}; }

}  // namespace

DecisionFacts XksService::Facts(std::string_view operation, const XksCall& call) const {
  DecisionFacts facts;
  facts.time = call.now;
  facts.actor = "xks:" + call.keystore;
  facts.action = "xks." + std::string(operation);
  facts.evidence_type = "";
  facts.request_id = Field(call, "kmsRequestId");
  return facts;
}

Status XksService::Record(const DecisionFacts& facts, const XksCall& call, Verdict verdict,
                          const std::string& why) {
  std::string reasons = "kmsOperation=" + Field(call, "kmsOperation");
  if (std::string arn = Field(call, "awsPrincipalArn"); !arn.empty()) {
    reasons += " awsPrincipalArn=" + arn;
  }
  reasons += "; " + why;
  auto receipt =
      deps_.release.Record(storage::LedgerEntry{{}, facts.time, [&](const Status& nonce) {
                                                  return AuditRow(facts, verdict, reasons, nonce);
                                                }});
  if (!receipt) return Error{ErrorCode::kInternal, "the audit row could not be written"};
  return Ok();
}

template <typename T>
Result<T> XksService::Audited(const DecisionFacts& facts, const XksCall& call,
                              const std::string& reason, Result<T> result) {
  std::string why =
      result ? reason
             : std::string(ErrorCodeName(result.error().code)) + ": " + result.error().message;
  if (auto s = Record(facts, call, result ? Verdict::kAllow : Verdict::kDeny, why); !s) {
    return std::move(s).error();
  }
  return result;
}

Result<storage::KeyRecord> XksService::Permit(std::string_view key_id, const XksCall& call,
                                              DecisionFacts& facts, XksVerdict* verdict_out) {
  facts.key_id = std::string(key_id);
  auto verdict = deps_.policies.DecideXks(call.keystore, key_id, call.metadata);
  if (!verdict) return std::move(verdict).error();
  facts.policy = verdict->evaluation.policy;
  facts.policy_version = verdict->policy_version;
  if (!verdict->evaluation.allow) return Denied(verdict->evaluation.reason);
  *verdict_out = std::move(*verdict);
  auto key = deps_.keys.Get(key_id);
  if (!key) return std::move(key).error();
  if (key->purpose != storage::KeyPurpose::kKms) {
    return Error{ErrorCode::kWrongKeyPurpose,
                 "key " + key->id + " has purpose release: only kms keys serve XKS"};
  }
  return key;
}

Result<KmsKeyVersion> XksService::Authorize(std::string_view key_id, uint32_t version,
                                            const XksCall& call, DecisionFacts& facts,
                                            XksVerdict* verdict) {
  auto record = Permit(key_id, call, facts, verdict);
  if (!record) return std::move(record).error();
  // A version the key never had comes from altered metadata, not from a missing key.
  if (version > record->current_version) {
    return Error{ErrorCode::kInvalidCiphertext, "ciphertextMetadata names no version of the key"};
  }
  // KmsKey checks that the key is enabled, and (a sealed key) that it is an AES-256 key.
  auto key = deps_.keys.KmsKey(*record, version, KmsUse::kXks);
  if (!key) return std::move(key).error();
  facts.key_version = key->version;
  return key;
}

Result<XksKeyMetadata> XksService::GetKeyMetadata(std::string_view key_id, const XksCall& call) {
  DecisionFacts facts = Facts("GetKeyMetadata", call);
  XksVerdict verdict;
  auto run = [&]() -> Result<XksKeyMetadata> {
    auto key = Permit(key_id, call, facts, &verdict);
    if (!key) return std::move(key).error();
    facts.key_version = key->current_version;
    return XksKeyMetadata{key->enabled};
  };
  auto result = run();
  return Audited(facts, call, verdict.evaluation.reason, std::move(result));
}

Result<XksEncrypted> XksService::Encrypt(std::string_view key_id, ByteSpan plaintext, ByteSpan aad,
                                         bool integrity, const XksCall& call) {
  DecisionFacts facts = Facts("Encrypt", call);
  XksVerdict verdict;
  auto run = [&]() -> Result<XksEncrypted> {
    auto key = Authorize(key_id, 0, call, facts, &verdict);
    if (!key) return std::move(key).error();
    auto sealed = xks::Seal(*key->key, key->version, plaintext, aad, deps_.random);
    if (!sealed) return std::move(sealed).error();
    XksEncrypted out{std::move(*sealed), std::nullopt};
    const xks::Sealed& s = out.sealed;
    if (integrity) out.integrity = xks::IntegrityValue(aad, s.metadata, s.iv, s.ciphertext, s.tag);
    auto check = xks::Open(*key->key, s.ciphertext, s.iv, s.tag, aad, s.metadata);
    if (!check || !CtEqual(check->span(), plaintext)) {
      return Error{ErrorCode::kInternal, "the ciphertext just made does not decrypt"};
    }
    return out;
  };
  auto result = run();
  return Audited(facts, call, verdict.evaluation.reason, std::move(result));
}

Result<SecretBytes> XksService::Decrypt(std::string_view key_id, const Ciphertext& input,
                                        const XksCall& call) {
  DecisionFacts facts = Facts("Decrypt", call);
  XksVerdict verdict;
  auto run = [&]() -> Result<SecretBytes> {
    auto version = xks::DecodeCiphertextMetadata(input.metadata);
    // Authorization comes first, whatever the ciphertext: a refused caller learns nothing.
    auto key = Authorize(key_id, version ? *version : 0, call, facts, &verdict);
    if (!key) return std::move(key).error();
    if (!version) return std::move(version).error();
    if (key->attestation_required && !verdict.evaluation.recipient_bound) {
      return Denied("key " + key->id +
                    " requires attestation: XKS Decrypt needs an allow rule with a recipient "
                    "condition that the request's kmsRecipientAttestation fields match");
    }
    if (key->attestation_required && !call.caller_is_kms) {
      return Denied("key " + key->id +
                    " requires attestation: its recipient conditions count only on a connection "
                    "with AWS KMS's client certificate (xks.client_ca)");
    }
    return xks::Open(*key->key, input.ciphertext, input.iv, input.tag, input.aad, input.metadata);
  };
  auto result = run();
  return Audited(facts, call, verdict.evaluation.reason, std::move(result));
}

Status XksService::RecordRefusal(std::string_view operation, std::string_view key_id,
                                 const XksCall& call, const Error& why) {
  DecisionFacts facts = Facts(operation, call);
  facts.key_id = std::string(key_id);
  return Record(facts, call, Verdict::kDeny,
                std::string(ErrorCodeName(why.code)) + ": " + why.message);
}

Status XksService::Health(const XksCall& call) {
  DecisionFacts facts = Facts("GetHealthStatus", call);
  auto run = [&]() -> Result<bool> {
    // The database answers (a key that cannot exist: the read, not the row, is the test).
    if (auto read = deps_.keys.Get("."); !read && read.error().code != ErrorCode::kKeyNotFound) {
      return Error{ErrorCode::kInternal, "the key store cannot be read: " + read.error().message};
    }
    if (auto s = deps_.keys.keystore().Check(); !s) return std::move(s).error();
    SecretBytes bytes(kGcmKeySize);
    if (auto s = deps_.random.Fill(bytes.mutable_span()); !s) return std::move(s).error();
    SoftwareGcmKey key(std::move(bytes));
    static constexpr uint8_t kProbe[] = {'x', 'k', 's'};
    auto sealed = xks::Seal(key, 1, kProbe, {}, deps_.random);
    if (!sealed) return std::move(sealed).error();
    auto opened = xks::Open(key, sealed->ciphertext, sealed->iv, sealed->tag, {}, sealed->metadata);
    if (!opened || !CtEqual(opened->span(), kProbe)) {
      return Error{ErrorCode::kInternal, "AES-256-GCM self-test failed"};
    }
    return true;
  };
  auto result = Audited(facts, call, "health check passed", run());
  if (!result) return std::move(result).error();
  return Ok();
}

}  // namespace kb::broker
