#include "broker/release_service.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "broker/evidence/claims_json.h"
#include "broker/evidence/tpm2_evidence.h"
#include "common/await.h"
#include "crypto/digest.h"
#include "policy/evaluator.h"

namespace kb::broker {
namespace {

Bytes DigestOf(ByteSpan data) {
  Sha256Digest d = Sha256(data);
  return Bytes(d.begin(), d.end());
}

// A Recipient signed a little ahead of our clock is clock skew, not an attack.
constexpr std::chrono::seconds kRecipientClockSkew{60};

// What a caller is told: the code and a short, generic message. Details stay in the audit log.
Error ForClient(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInternal:
      return Error{error.code, "internal error"};
    case ErrorCode::kPolicyDenied:
      return Error{error.code, "no policy allows releasing this key to this attestation"};
    case ErrorCode::kWrongKeyPurpose:
      return Error{error.code, "this key has purpose kms: it is never released"};
    default:
      return Error{error.code, "attestation rejected: " + std::string(ErrorCodeName(error.code))};
  }
}

}  // namespace

Result<Challenge> ReleaseService::IssueChallenge(Time now) {
  Bytes nonce(storage::kNonceSize);
  if (auto s = deps_.random.Fill(nonce); !s) return std::move(s).error();
  Time expires_at = now + deps_.nonce_ttl;
  if (auto s = deps_.ledger.IssueNonce(nonce, expires_at); !s) return std::move(s).error();
  if (challenges_.fetch_add(1, std::memory_order_relaxed) % kPurgeEvery == kPurgeEvery - 1) {
    auto purged = deps_.ledger.PurgeExpired(now - deps_.nonce_ttl);
    if (purged) purged_.fetch_add(*purged, std::memory_order_relaxed);
  }
  return Challenge{std::move(nonce), expires_at};
}

Result<VerifiedEvidence> ReleaseService::VerifyEvidence(const std::string& type, ByteSpan document,
                                                        Time now) const {
  if (type == "tpm2-quote" || (type == "auto" && IsJsonEvidence(document))) {
    return deps_.tpm2.Verify(document, now);
  }
  if (type == "nitro-enclave") return deps_.nitro.Verify(document, now, Platform::kNitroEnclave);
  if (type == "nitro-tpm") return deps_.nitro.Verify(document, now, Platform::kNitroTpm);
  if (type == "auto") return deps_.nitro.Verify(document, now);
  return Error{ErrorCode::kMalformedRequest, "unknown evidence type " + type};
}

Result<policy::Decision> ReleaseService::Decide(const std::string& key_id,
                                                const EvidenceClaims& claims, Time now,
                                                int* policy_version) {
  auto active = policy_cache_.Active(deps_.policies);
  if (!active) return std::move(active).error();
  std::vector<const policy::Policy*> policies;
  bool governed = false;
  for (const ActivePolicy& p : *active) {
    policies.push_back(p.policy.get());
    const auto& keys = p.policy->keys;
    governed |= std::find(keys.begin(), keys.end(), key_id) != keys.end();
  }
  // References are read only when some policy could use them: a request for a key no policy
  // names is denied without touching them.
  policy::ReferenceMap references;
  if (governed) {
    auto loaded = deps_.references.LoadAll();
    if (!loaded) return std::move(loaded).error();
    references = std::move(*loaded);
  }
  policy::Decision decision =
      policy::DecideRelease(key_id, policies, ToPolicyClaims(claims), references, now);
  for (const ActivePolicy& p : *active) {
    if (p.policy->name == decision.policy) *policy_version = p.version;
  }
  return decision;
}

Result<ReleaseService::FreshRecipient> ReleaseService::VerifyRecipient(ByteSpan document,
                                                                       Time now) {
  auto verified = VerifyEvidence("auto", document, now);
  if (!verified) return std::move(verified).error();
  const EvidenceClaims& claims = verified->claims();
  bool has_nonce = claims.nonce && !claims.nonce->empty();  // an empty one says nothing
  if (claims.platform == Platform::kTpm2Quote && !has_nonce) {
    return Error{ErrorCode::kNonceUnknown, "a TPM quote needs a nonce from POST /v1/challenge"};
  }
  if (claims.platform != Platform::kTpm2Quote) {
    auto age = now - claims.timestamp;  // not truncated: 300.5 s is more than 300 s
    if (age > deps_.recipient_max_age || age < -kRecipientClockSkew) {
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age);
      return Error{ErrorCode::kStaleEvidence,
                   "the document was signed " + std::to_string(seconds.count()) +
                       " s ago; a Recipient must be at most " +
                       std::to_string(deps_.recipient_max_age.count()) + " s old"};
    }
  }
  Bytes nonce;
  if (has_nonce) {
    if (claims.nonce->size() != storage::kNonceSize) {
      return Error{ErrorCode::kNonceUnknown, "the evidence carries a nonce not issued here"};
    }
    if (auto s = deps_.ledger.CheckNonce(*claims.nonce, now); !s) return s.error();
    nonce = *claims.nonce;
  }
  return FreshRecipient{std::move(*verified), std::move(nonce)};
}

Result<ReleaseService::AttestedRecipient> ReleaseService::AuthorizeRecipient(
    const std::string& key_id, ByteSpan document, Time now) {
  auto recipient = VerifyRecipient(document, now);
  if (!recipient) return std::move(recipient).error();
  int policy_version = 0;
  auto decision = Decide(key_id, recipient->evidence.claims(), now, &policy_version);
  if (!decision) return std::move(decision).error();
  if (!decision->allow) return Error{ErrorCode::kPolicyDenied, decision->reason};
  return AttestedRecipient{std::move(*recipient), decision->policy, policy_version};
}

// A release between its decision and its audit row.
struct ReleaseService::PendingRelease {
  storage::AuditRecord audit;
  Bytes nonce;  // set once the evidence verified and the nonce is ours and usable
  ReleaseOutcome outcome;
};

// kRateLimited with its retry delay when `limit` has no token left for `bucket`; the refusal
// is answered at once, without consuming the nonce or writing an audit row.
std::optional<Error> ReleaseService::Throttle(RateLimiter* limit, const std::string& bucket,
                                              Time now, PendingRelease& pending) {
  if (limit == nullptr) return std::nullopt;
  int wait = limit->Take(bucket, now);
  if (wait == 0) return std::nullopt;
  pending.outcome.error = Error{ErrorCode::kRateLimited, "too many releases; retry later"};
  pending.outcome.retry_after_seconds = wait;
  return pending.outcome.error;
}

ReleaseOutcome ReleaseService::Release(const ReleaseRequest& request, Time now) {
  return AwaitCallback<ReleaseOutcome>(
      [&](ReleaseDone done) { Release(request, now, std::move(done)); });
}

void ReleaseService::Release(const ReleaseRequest& request, Time now, ReleaseDone done) {
  PendingRelease pending;
  storage::AuditRecord& audit = pending.audit;
  audit.time = now;
  audit.actor = "unverified";
  audit.action = "release";
  audit.key_id = request.key_id;
  audit.evidence_type = request.evidence_type;
  audit.evidence_sha256 = DigestOf(request.document);
  audit.request_id = request.request_id;
  audit.decision = "deny";
  std::optional<Error> error = Evaluate(request, now, pending);
  if (pending.outcome.retry_after_seconds > 0) return done(std::move(pending.outcome));
  Record(std::move(pending), std::move(error), now, std::move(done));
}

std::optional<Error> ReleaseService::Evaluate(const ReleaseRequest& request, Time now,
                                              PendingRelease& pending) {
  storage::AuditRecord& audit = pending.audit;
  auto verified = VerifyEvidence(request.evidence_type, request.document, now);
  if (!verified) return verified.error();
  const EvidenceClaims& claims = verified->claims();
  audit.actor = "attested:" + claims.module_id;
  audit.evidence_type = std::string(PlatformName(claims.platform));
  audit.claims_sha256 = DigestOf(AsBytes(boost::json::serialize(ClaimsToJson(claims))));
  if (!claims.nonce || claims.nonce->size() != storage::kNonceSize) {
    return Error{ErrorCode::kNonceUnknown, "evidence carries no nonce issued here"};
  }
  if (auto s = deps_.ledger.CheckNonce(*claims.nonce, now); !s) return s.error();
  // The identity's budget is charged only now, for a nonce that is ours, unused and unexpired:
  // replaying a captured document of another enclave spends nothing of that enclave's budget.
  if (auto limited = Throttle(deps_.identity_limit, claims.module_id, now, pending)) {
    return limited;
  }
  pending.nonce = *claims.nonce;
  int policy_version = 0;
  auto decision = Decide(request.key_id, claims, now, &policy_version);
  if (!decision) return decision.error();
  audit.policy = decision->policy;
  audit.policy_version = uint32_t(policy_version);
  if (!decision->allow) return Error{ErrorCode::kPolicyDenied, decision->reason};
  // The key's budget only for releases its policy allows: any enclave can get a nonce, and its
  // denied requests must not use up the key's releases.
  if (auto limited = Throttle(deps_.key_limit, request.key_id, now, pending)) return limited;
  // A kms key never leaves the broker, whatever a policy says: its material is the root of every
  // KMS ciphertext of the key, so a workload holding it could decrypt or forge all of them. The
  // purpose is checked on the row that is unsealed, before unsealing.
  auto key = deps_.keys.UnsealCurrent(request.key_id, storage::KeyPurpose::kRelease);
  if (!key) return key.error();
  audit.key_version = key->version;
  if (!claims.public_key) {
    return Error{ErrorCode::kUnsupportedPublicKey, "evidence carries no public key"};
  }
  auto wrapped = deps_.wrapper.Wrap(request.format, *claims.public_key, key->material);
  if (!wrapped) return wrapped.error();

  audit.decision = "allow";
  audit.reasons = decision->reason;
  pending.outcome.release = broker::Release{
      key->id, key->version, request.format, std::move(*wrapped), decision->policy, policy_version};
  return std::nullopt;
}

// Records the decision durably through the ledger's writer (consuming the nonce once verified),
// and answers only then: a release nobody can audit is never sent.
void ReleaseService::Record(PendingRelease pending, std::optional<Error> error, Time now,
                            ReleaseDone done) {
  storage::AuditRecord& audit = pending.audit;
  if (error) audit.reasons = std::string(ErrorCodeName(error->code)) + ": " + error->message;
  storage::ReleaseLedger::Decision decision{std::move(pending.nonce), now, std::move(audit)};
  auto answer = [outcome = std::move(pending.outcome), error = std::move(error),
                 done = std::move(done)](Result<storage::ReleaseLedger::Entry> entry) mutable {
    if (!entry) {
      outcome.release.reset();
      outcome.internal_detail = entry.error().message;
      outcome.error = ForClient(entry.error());
      return done(std::move(outcome));
    }
    outcome.decision_id = entry->seq;
    if (!error && !entry->nonce_status) error = entry->nonce_status.error();
    if (error) {
      outcome.release.reset();
      outcome.error = ForClient(*error);
    }
    done(std::move(outcome));
  };
  deps_.writer.Submit(std::move(decision), std::move(answer));
}

}  // namespace kb::broker
