#include "broker/release_service.h"

#include "crypto/digest.h"

namespace kb::broker {
namespace {

// What a request asked for, before anything about it is verified.
DecisionFacts FactsOf(const ReleaseRequest& request, Time now) {
  DecisionFacts facts;
  facts.time = now;
  facts.key_id = request.key_id;
  facts.evidence_type = std::string(EvidenceTypeName(request.evidence_type));
  Sha256Digest digest = Sha256(request.document);
  facts.evidence_sha256 = Bytes(digest.begin(), digest.end());
  facts.request_id = request.request_id;
  return facts;
}

// 0, or the seconds until `limit` has a token for `bucket` again.
int Throttle(RateLimiter* limit, const std::string& bucket, Time now) {
  return limit == nullptr ? 0 : limit->Take(bucket, now);
}

}  // namespace

Result<Challenge> ReleaseService::IssueChallenge(Time now) {
  Bytes nonce(storage::kNonceSize);
  if (auto s = deps_.random.Fill(nonce); !s) return std::move(s).error();
  Time expires_at = now + deps_.nonce_ttl;
  if (auto s = deps_.nonces.IssueNonce(nonce, expires_at); !s) return std::move(s).error();
  if (challenges_.fetch_add(1, std::memory_order_relaxed) % kPurgeEvery == kPurgeEvery - 1) {
    auto purged = deps_.nonces.PurgeExpired(now - deps_.nonce_ttl);
    if (purged) purged_.fetch_add(*purged, std::memory_order_relaxed);
  }
  return Challenge{std::move(nonce), expires_at};
}

ReleaseOutcome ReleaseService::Release(const ReleaseRequest& request, Time now) {
  auto decided = Decide(request, now);
  if (auto* limited = std::get_if<RateLimited>(&decided)) {
    ReleaseOutcome outcome;  // answered at once: no nonce consumed, no audit row
    outcome.error = Error{ErrorCode::kRateLimited, "too many releases; retry later"};
    outcome.retry_after_seconds = limited->retry_after_seconds;
    return outcome;
  }
  auto& [decision, released] = std::get<Decided>(decided);
  auto receipt = deps_.core.Record(LedgerEntryFor(decision));
  return Answer(decision, receipt, std::move(released));
}

// The whole decision, top to bottom. Each refusal is a Deny with what was known by then.
std::variant<ReleaseService::Decided, ReleaseService::RateLimited> ReleaseService::Decide(
    const ReleaseRequest& request, Time now) {
  DecisionFacts facts = FactsOf(request, now);
  auto deny = [&facts](Error why) { return Decided{ReleaseDecision::Deny(facts, why), {}}; };

  // 1. The evidence verifies, and carries a nonce we issued, unused and unexpired. A replayed
  // document is refused under the identity it proves.
  auto attested =
      deps_.core.Attest(request.evidence_type, request.document, Freshness::kChallenge, now);
  if (!attested) return deny(attested.error());
  const EvidenceClaims& claims = attested->evidence.claims();
  facts.actor = "attested:" + claims.module_id;
  facts.evidence_type = std::string(PlatformName(claims.platform));
  facts.claims_sha256 = attested->claims_sha256;
  if (!attested->fresh) return deny(attested->fresh.error());
  // 2. The identity's budget, charged only now, for a nonce that is ours, unused and unexpired:
  // replaying a captured document of another enclave spends nothing of that enclave's budget.
  if (int wait = Throttle(deps_.identity_limit, claims.module_id, now)) return RateLimited{wait};
  facts.nonce = attested->nonce;

  // 3. The key's active policies allow these claims.
  auto verdict = deps_.core.Authorize(request.key_id, claims, now);
  if (!verdict) return deny(verdict.error());
  facts.policy = verdict->policy;
  facts.policy_version = verdict->policy_version;
  if (!verdict->permit) return deny(Error{ErrorCode::kPolicyDenied, verdict->reason});
  const ReleasePermit& permit = *verdict->permit;
  // The key's budget only for releases its policy allows: any enclave can get a nonce, and its
  // denied requests must not use up the key's releases.
  if (int wait = Throttle(deps_.key_limit, request.key_id, now)) return RateLimited{wait};

  // 4. The key, unsealed for the permit and wrapped to the public key inside the evidence.
  auto key = deps_.core.UnsealPermitted(permit);
  if (!key) return deny(key.error());
  facts.key_version = key->version;
  auto wrapped = deps_.core.Seal(permit, request.format, key->material);
  if (!wrapped) return deny(wrapped.error());

  ReleasedKey released{key->id,         key->version,           request.format, std::move(*wrapped),
                       permit.policy(), permit.policy_version()};
  return Decided{ReleaseDecision::Allow(std::move(facts), permit, verdict->reason),
                 std::move(released)};
}

}  // namespace kb::broker
