#pragma once

// Claims that a verifier has proven. Only verifiers construct this type, so code that requires a
// VerifiedEvidence (policy evaluation for release) cannot be handed unverified claims.

#include <utility>

#include "broker/evidence/evidence_claims.h"
#include "common/result.h"
#include "policy/claims.h"

namespace kb::broker {

class NitroVerifier;
class Tpm2QuoteVerifier;

class VerifiedEvidence {
 public:
  const EvidenceClaims& claims() const { return claims_; }

 private:
  friend class NitroVerifier;
  friend class Tpm2QuoteVerifier;
  class Tpm2QuoteVerifier;
  explicit VerifiedEvidence(EvidenceClaims claims) : claims_(std::move(claims)) {}

  EvidenceClaims claims_;
};

// kNonceMismatch unless the document carries exactly `expected` (compared in constant time).
Status RequireNonce(const EvidenceClaims& claims, ByteSpan expected);

}  // namespace kb::broker
