#pragma once

// A release decision as one immutable value: allow or deny, why, under which policy version,
// for which evidence and nonce. The release path computes it in one place
// (ReleaseService::Decide); the ledger persists it (AuditRow) and reports whether its nonce
// was consumed; one pure function (Answer) turns both into what the client gets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/keys/key_wrapper.h"
#include "broker/policy_gate.h"
#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"
#include "storage/release_ledger.h"

namespace kb::broker {

enum class Verdict { kAllow, kDeny };
std::string_view VerdictName(Verdict verdict);  // "allow" | "deny": the audit log's words

// What is known about a request, gathered as the release path goes: first what it asked for,
// then what its evidence proved, then what the policy said.
struct DecisionFacts {
  Time time{};
  std::string actor = "unverified";  // "attested:<module_id>" once the evidence verified
  std::string action = "release";
  std::string key_id;
  std::string evidence_type;  // as asked ("auto", ...), then the platform proved; "": none
  Bytes evidence_sha256;
  Bytes claims_sha256;
  Bytes nonce;  // to consume: set once the evidence verified and its nonce is ours and usable
  std::string policy;
  int policy_version = 0;
  uint32_t key_version = 0;
  std::string request_id;
};

class ReleaseDecision {
 public:
  // A refusal, with the contract error that says why (the message goes to the audit log only).
  static ReleaseDecision Deny(DecisionFacts facts, Error why);
  // An allow exists only for what a policy allowed: it needs the gate's permit for the key.
  static ReleaseDecision Allow(DecisionFacts facts, const ReleasePermit& permit,
                               std::string reason);

  Verdict verdict() const { return error_ ? Verdict::kDeny : Verdict::kAllow; }
  const DecisionFacts& facts() const { return facts_; }
  // The refusal; nullopt for an allow.
  const std::optional<Error>& error() const { return error_; }
  // The audit log's reasons: the policy's one line for an allow, "<code>: <message>" for a deny.
  const std::string& reasons() const { return reasons_; }

 private:
  ReleaseDecision(DecisionFacts facts, std::optional<Error> error, std::string reasons)
      : facts_(std::move(facts)), error_(std::move(error)), reasons_(std::move(reasons)) {}

  DecisionFacts facts_;
  std::optional<Error> error_;
  std::string reasons_;
};

// The audit row that records a decision, given the ledger's word on its nonce: a nonce a
// concurrent request consumed first turns an allow into a denial naming the nonce failure.
// (The KMS API records its calls through this too.)
storage::AuditRecord AuditRow(const DecisionFacts& facts, Verdict verdict,
                              const std::string& reasons, const Status& nonce);
// The ledger entry that makes `decision` durable and consumes its nonce. REQUIRES: `decision`
// outlives the entry's commit (LedgerWriter::Write returns only after it).
storage::LedgerEntry LedgerEntryFor(const ReleaseDecision& decision);

// A key as the client receives it: wrapped to the public key inside its evidence.
struct ReleasedKey {
  std::string key_id;
  uint32_t key_version = 0;
  WrapFormat format = WrapFormat::kCms;
  Bytes ciphertext_for_recipient;
  std::string policy;
  int policy_version = 0;
};

struct ReleaseOutcome {
  std::optional<ReleasedKey> released;  // set exactly when the key was released
  std::optional<Error> error;           // the contract error otherwise
  uint64_t decision_id = 0;             // 0 only if no audit row was written
  int retry_after_seconds = 0;          // > 0 with kRateLimited
  std::string internal_detail;          // with kInternal: the cause, for the operator's log only
};

// What the client gets, from the decision and the ledger's receipt: the key only if the
// decision allowed it and its row is durable with its nonce consumed; otherwise the contract
// error with a short, generic message (the details are in the audit row). Pure.
ReleaseOutcome Answer(const ReleaseDecision& decision,
                      const Result<storage::LedgerReceipt>& receipt,
                      std::optional<ReleasedKey> released);

// What a caller is told of `error`: its code and a short message. Details stay in the audit log.
Error ForClient(const Error& error);

}  // namespace kb::broker
