#pragma once

// The steps every release of a secret to attested code takes, whichever API asks for it
// (/v1/release, or a KMS call with a Recipient), so that the two cannot drift:
//   Attest     the evidence verifies and is fresh;
//   Authorize  the key's active policies allow it: a ReleasePermit (PolicyGate);
//   Seal       the secret is wrapped to the public key inside the evidence, for a permit only;
//   Record     the decision's audit row is durable, its nonce consumed in the same
//              transaction (LedgerWriter), before anyone is answered.
// Thread-safe; Record blocks until the disk has the row.

#include <chrono>
#include <string_view>

#include "broker/evidence/evidence_verifier.h"
#include "broker/keys/key_manager.h"
#include "broker/keys/key_wrapper.h"
#include "broker/policy_gate.h"
#include "storage/ledger_writer.h"
#include "storage/release_ledger.h"

namespace kb::broker {

// How evidence shows it is fresh.
enum class Freshness {
  // /v1/release: it carries a nonce from POST /v1/challenge, unused and unexpired.
  kChallenge,
  // A KMS Recipient, which has no challenge of its own: a TPM quote (no trustworthy time) only
  // with a nonce of ours as above; a Nitro document signed at most recipient_max_age ago (and
  // not in the future), and a nonce it carries must be ours as well.
  kRecipient,
};

class ReleaseCore {
 public:
  struct Dependencies {
    const EvidenceVerifiers& verifiers;
    storage::ReleaseLedger& nonces;  // checked here; consumed by Record
    PolicyGate& policies;
    KeyManager& keys;
    const KeyWrapper& wrapper;
    storage::LedgerWriter& ledger;
    std::chrono::seconds recipient_max_age{300};
  };
  // REQUIRES: every dependency outlives the core.
  explicit ReleaseCore(Dependencies deps) : deps_(deps) {}

  // Evidence that verified, and whether it is fresh. Verified but stale evidence is still
  // returned, so that the refusal's audit row can name the identity that was replayed.
  struct Attested {
    VerifiedEvidence evidence;
    Status fresh;         // Ok, or why not: nonce_unknown, nonce_expired, ..., stale_evidence
    Bytes nonce;          // to consume with the decision's row; empty: none (a Nitro Recipient)
    Bytes claims_sha256;  // of the claims as JSON, for the audit row
  };
  // An error only when the evidence does not verify.
  Result<Attested> Attest(EvidenceType type, ByteSpan document, Freshness freshness, Time now);

  Result<PolicyVerdict> Authorize(std::string_view key_id, const EvidenceClaims& claims, Time now) {
    return deps_.policies.Decide(key_id, claims, now);
  }

  // The permitted key's current version, unsealed: a release key only (kWrongKeyPurpose, before
  // unsealing, for a kms key, whose material never leaves the broker).
  Result<UnsealedKey> UnsealPermitted(const ReleasePermit& permit);

  // `secret` wrapped in `format` to the permit's recipient, the public key inside the evidence
  // the policy allowed (kUnsupportedPublicKey without one).
  Result<Bytes> Seal(const ReleasePermit& permit, WrapFormat format,
                     const SecretBytes& secret) const;

  Result<storage::LedgerReceipt> Record(storage::LedgerEntry entry) {
    return deps_.ledger.Write(std::move(entry));
  }

 private:
  Status CheckFresh(const EvidenceClaims& claims, Freshness freshness, Time now);

  Dependencies deps_;
};

}  // namespace kb::broker
