#include "broker/release_decision.h"

namespace kb::broker {

std::string_view VerdictName(Verdict verdict) {
  return verdict == Verdict::kAllow ? "allow" : "deny";
}

ReleaseDecision ReleaseDecision::Deny(DecisionFacts facts, Error why) {
  std::string reasons = std::string(ErrorCodeName(why.code)) + ": " + why.message;
  return ReleaseDecision(std::move(facts), std::move(why), std::move(reasons));
}

ReleaseDecision ReleaseDecision::Allow(DecisionFacts facts, const ReleasePermit& permit,
                                       std::string reason) {
  facts.key_id = permit.key_id();
  facts.policy = permit.policy();
  facts.policy_version = permit.policy_version();
  return ReleaseDecision(std::move(facts), std::nullopt, std::move(reason));
}

storage::AuditRecord AuditRow(const DecisionFacts& f, Verdict verdict, const std::string& reasons,
                              const Status& nonce) {
  storage::AuditRecord row;
  row.time = f.time;
  row.actor = f.actor;
  row.action = f.action;
  row.key_id = f.key_id;
  row.key_version = f.key_version;
  row.policy = f.policy;
  row.policy_version = uint32_t(f.policy_version);
  row.evidence_type = f.evidence_type;
  row.evidence_sha256 = f.evidence_sha256;
  row.claims_sha256 = f.claims_sha256;
  row.request_id = f.request_id;
  row.decision = std::string(VerdictName(nonce ? verdict : Verdict::kDeny));
  row.reasons = nonce ? reasons : std::string(ErrorCodeName(nonce.error().code));
  return row;
}

storage::LedgerEntry LedgerEntryFor(const ReleaseDecision& decision) {
  return storage::LedgerEntry{
      decision.facts().nonce, decision.facts().time, [&decision](const Status& nonce) {
        return AuditRow(decision.facts(), decision.verdict(), decision.reasons(), nonce);
      }};
}

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

ReleaseOutcome Answer(const ReleaseDecision& decision,
                      const Result<storage::LedgerReceipt>& receipt,
                      std::optional<ReleasedKey> released) {
  ReleaseOutcome outcome;
  if (!receipt) {  // nothing durable: nothing released
    outcome.internal_detail = receipt.error().message;
    outcome.error = ForClient(receipt.error());
    return outcome;
  }
  outcome.decision_id = receipt->seq;
  if (decision.error()) {
    if (decision.error()->code == ErrorCode::kInternal) {
      outcome.internal_detail = decision.error()->message;  // a key that will not unseal, …
    }
    outcome.error = ForClient(*decision.error());
  } else if (!receipt->nonce) {  // another request spent the nonce first
    outcome.error = ForClient(receipt->nonce.error());
  } else {
    outcome.released = std::move(released);
  }
  return outcome;
}

}  // namespace kb::broker
