#pragma once

// Verification of tpm2-quote evidence (broker/evidence/tpm2_evidence.h) from any TPM 2.0:
//   - the quote and signature parse strictly (TSS unmarshalling, nothing trailing);
//   - a registered attestation key signed the quote (RSASSA, RSA-PSS or ECDSA P-256/P-384,
//     with SHA-256 or SHA-384 as the signature says) → else kBadSignature;
//   - extraData == SHA-256(nonce ‖ public_key DER), compared in constant time: the TPM's
//     signature binds the freshness challenge and the key to wrap released keys to
//     → else kNonceMismatch;
//   - the reported PCRs are exactly the selected ones, and pcrDigest equals the hash of their
//     values in selection order → else kMalformedEvidence (set differs) or kBadSignature
//     (values differ from what the TPM signed).
// A quote carries no wall-clock time: the claims' timestamp is the verification time, and
// freshness rests on the nonce. Thread-safe.

#include "broker/evidence/attestation_keys.h"
#include "broker/evidence/evidence_verifier.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

class Tpm2QuoteVerifier final : public EvidenceVerifier {
 public:
  // REQUIRES: `keys` outlives the verifier.
  explicit Tpm2QuoteVerifier(const AttestationKeys& keys) : keys_(keys) {}

  // `platform`, when set, must be tpm2-quote (kMalformedEvidence otherwise). (The default
  // argument serves direct callers: tools, tests and benches.)
  Result<VerifiedEvidence> Verify(ByteSpan evidence_json, Time now,
                                  std::optional<Platform> platform = {}) const override;

 private:
  const AttestationKeys& keys_;
};

}  // namespace kb::broker
