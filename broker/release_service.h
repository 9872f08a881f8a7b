#pragma once

// The release use case (docs/architecture.md, "The release path"):
//   POST /v1/challenge → IssueChallenge: a nonce, stored until it expires.
//   POST /v1/release   → Release: Decide computes the one ReleaseDecision (the evidence
//   verifies and carries our nonce, the key's policies allow, the key is unsealed and wrapped to
//   the evidence's public key), the ledger makes it durable with its nonce consumed, and Answer
//   says what the client gets. Every decision, allow or deny, is an audit row; its seq is the
//   decision id the caller gets. Clients see an error code and a short message; the reasons go
//   to the audit log.
// Release is one synchronous call that blocks until the decision is durable; the HTTP edge runs
// it off its I/O threads (api/router.h).

#include <atomic>
#include <optional>
#include <string>
#include <variant>

#include "broker/release_core.h"
#include "broker/release_decision.h"
#include "common/rate_limiter.h"
#include "crypto/random.h"
#include "storage/release_ledger.h"

namespace kb::broker {

struct ReleaseRequest {
  std::string key_id;
  EvidenceType evidence_type;  // nullopt: "auto", by the document's form
  Bytes document;              // CBOR for Nitro, JSON for tpm2-quote
  WrapFormat format = WrapFormat::kCms;
  std::string request_id;
};

struct Challenge {
  Bytes nonce;
  Time expires_at;
};

class ReleaseService {
 public:
  struct Dependencies {
    ReleaseCore& core;
    storage::ReleaseLedger& nonces;  // issued here
    const Random& random;
    std::chrono::seconds nonce_ttl{300};
    // Optional limits: by attested identity (module_id), charged once the evidence has verified
    // and its nonce is ours, unused and unexpired (so that nobody can spend another identity's
    // budget by replaying its documents); by key, charged only for releases a policy allows (so
    // that denied requests cannot use up a key's releases). A refusal is kRateLimited with a
    // retry delay; it consumes no nonce and writes no audit row (a flood must not become a flood
    // of writes); its count is in the limiter, for /metrics.
    RateLimiter* identity_limit = nullptr;
    RateLimiter* key_limit = nullptr;
  };

  // REQUIRES: every dependency outlives the service.
  explicit ReleaseService(Dependencies deps) : deps_(deps) {}

  Result<Challenge> IssueChallenge(Time now);
  uint64_t purged_nonces() const { return purged_.load(std::memory_order_relaxed); }

  // Decides, records the decision durably, and only then answers. Blocks on the disk.
  ReleaseOutcome Release(const ReleaseRequest& request, Time now);

 private:
  struct Decided {
    ReleaseDecision decision;
    std::optional<ReleasedKey> released;  // with an allow
  };
  struct RateLimited {
    int retry_after_seconds;
  };
  std::variant<Decided, RateLimited> Decide(const ReleaseRequest& request, Time now);

  // Every kPurgeEvery-th challenge also deletes nonces that expired a TTL ago (a used or expired
  // nonce is kept that long so that replays are still told apart from unknown nonces).
  static constexpr uint64_t kPurgeEvery = 256;

  Dependencies deps_;
  std::atomic<uint64_t> challenges_{0};
  std::atomic<uint64_t> purged_{0};
};

}  // namespace kb::broker
