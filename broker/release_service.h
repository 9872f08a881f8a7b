#pragma once

// The release use case (ARCHITECTURE.md, "The release path"):
//   verify the evidence → its nonce must be one we issued, unexpired, unused → the key's active
//   policies must allow the verified claims → unseal the key's current version → wrap it to the
//   public key inside the evidence → consume the nonce and append the audit row in one
//   transaction (shared with the other decisions waiting at that moment: storage::LedgerWriter)
//   → only then answer.
// Every decision, allow or deny, is an audit row; its seq is the decision id the caller gets.
// Clients see an error code and a short message; the reasons go to the audit log.

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "broker/evidence/nitro_verifier.h"
#include "broker/evidence/tpm2_quote_verifier.h"
#include "broker/keys/key_manager.h"
#include "broker/keys/key_wrapper.h"
#include "broker/policy_cache.h"
#include "common/rate_limiter.h"
#include "crypto/random.h"
#include "storage/ledger_writer.h"
#include "storage/policy_store.h"
#include "storage/reference_store.h"
#include "storage/release_ledger.h"

namespace kb::broker {

struct ReleaseRequest {
  std::string key_id;
  std::string evidence_type = "auto";  // auto | nitro-enclave | nitro-tpm | tpm2-quote
  Bytes document;                      // CBOR for Nitro, JSON for tpm2-quote
  WrapFormat format = WrapFormat::kCms;
  std::string request_id;
};

struct Release {
  std::string key_id;
  uint32_t key_version = 0;
  WrapFormat format = WrapFormat::kCms;
  Bytes ciphertext_for_recipient;
  std::string policy;
  int policy_version = 0;
};

struct ReleaseOutcome {
  std::optional<Release> release;  // set exactly when the key was released
  std::optional<Error> error;      // the contract error otherwise
  uint64_t decision_id = 0;        // 0 only if even the audit row could not be written
  int retry_after_seconds = 0;     // > 0 with kRateLimited
  std::string internal_detail;     // with kInternal: the cause, for the operator's log only
};

struct Challenge {
  Bytes nonce;
  Time expires_at;
};

class ReleaseService {
 public:
  struct Dependencies {
    const NitroVerifier& nitro;
    const Tpm2QuoteVerifier& tpm2;
    storage::PolicyStore& policies;
    storage::ReferenceStore& references;
    KeyManager& keys;
    const KeyWrapper& wrapper;
    storage::ReleaseLedger& ledger;  // nonces: issued and checked here
    storage::LedgerWriter& writer;   // decisions: committed in groups (nonce consumed, audit row)
    const Random& random;
    std::chrono::seconds nonce_ttl{300};
    // Optional limits: by attested identity (module_id), charged once the evidence has verified
    // and its nonce is ours, unused and unexpired (so that nobody can spend another identity's
    // budget by replaying its documents); by key, charged only for releases a policy allows (so
    // that denied requests cannot use up a key's releases). A refusal is
    // kRateLimited with a retry delay; it consumes no nonce and writes no audit row (a flood
    // must not become a flood of writes); its count is in the limiter, for /metrics.
    RateLimiter* identity_limit = nullptr;
    RateLimiter* key_limit = nullptr;
    // The oldest signed timestamp a Nitro document may carry as a KMS Recipient (see
    // VerifyRecipient), whatever the policy's max_age allows.
    std::chrono::seconds recipient_max_age{300};
  };

  // REQUIRES: every dependency outlives the service.
  explicit ReleaseService(Dependencies deps) : deps_(deps) {}

  Result<Challenge> IssueChallenge(Time now);
  uint64_t purged_nonces() const { return purged_.load(std::memory_order_relaxed); }
  // Answers through `done`, exactly once: at once when refused before anything is recorded
  // (rate limits), otherwise from the ledger writer's thread once the decision's audit row is
  // durable. `request` need not outlive the call.
  using ReleaseDone = std::function<void(ReleaseOutcome)>;
  void Release(const ReleaseRequest& request, Time now, ReleaseDone done);
  // Release, waiting for the outcome. Never on a thread that the writer's callbacks need.
  ReleaseOutcome Release(const ReleaseRequest& request, Time now);

  // A Recipient on the KMS API: the evidence verified and fresh. A KMS call carries no
  // challenge of its own, so freshness comes from the evidence itself:
  //  - a TPM quote carries no trustworthy time: it is accepted only with a nonce this broker
  //    issued (POST /v1/challenge), unused and unexpired;
  //  - a Nitro document must have been signed at most `recipient_max_age` ago (and not in the
  //    future), and a nonce it carries must likewise be one of ours.
  // The nonce, if any, is returned: the caller consumes it in the transaction of its audit row
  // (storage::LedgerWriter), so a captured document serves at most once.
  struct FreshRecipient {
    VerifiedEvidence evidence;
    Bytes nonce;  // to consume; empty for a Nitro document without one
  };
  Result<FreshRecipient> VerifyRecipient(ByteSpan document, Time now);

  // VerifyRecipient, then the key's active policies (as for /v1/release): kPolicyDenied (with
  // the reason) if they do not allow it.
  struct AttestedRecipient {
    FreshRecipient recipient;
    std::string policy;
    int policy_version = 0;
  };
  Result<AttestedRecipient> AuthorizeRecipient(const std::string& key_id, ByteSpan document,
                                               Time now);

  // The verification step of Release alone (no nonce, no policy): for dry runs.
  Result<VerifiedEvidence> VerifyEvidence(const std::string& type, ByteSpan document,
                                          Time now) const;

 private:
  struct PendingRelease;
  std::optional<Error> Throttle(RateLimiter* limit, const std::string& bucket, Time now,
                                PendingRelease& pending);
  // The decision: verification, nonce check, policy, unseal, wrap. Fills `pending`; returns the
  // refusal, if any.
  std::optional<Error> Evaluate(const ReleaseRequest& request, Time now, PendingRelease& pending);
  void Record(PendingRelease pending, std::optional<Error> error, Time now, ReleaseDone done);
  Result<policy::Decision> Decide(const std::string& key_id, const EvidenceClaims& claims, Time now,
                                  int* policy_version);

  // Every kPurgeEvery-th challenge also deletes nonces that expired a TTL ago (a used or expired
  // nonce is kept that long so that replays are still told apart from unknown nonces).
  static constexpr uint64_t kPurgeEvery = 256;

  Dependencies deps_;
  PolicyCache policy_cache_;
  std::atomic<uint64_t> challenges_{0};
  std::atomic<uint64_t> purged_{0};
};

}  // namespace kb::broker
