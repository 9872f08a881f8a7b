#pragma once

// Complete offline verification of AWS Nitro Enclaves and NitroTPM attestation documents:
// COSE_Sign1 envelope → payload → certificate path to a trusted root → ES384 signature.
//
// Thread-safe: one instance serves all requests; the only shared state is the certificate cache.

#include <optional>

#include "broker/evidence/cert_chain_verifier.h"
#include "broker/evidence/certificate_cache.h"
#include "broker/evidence/trust_anchors.h"
#include "broker/evidence/verified_evidence.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

class NitroVerifier {
 public:
  // REQUIRES: `anchors` and `cache` outlive the verifier.
  NitroVerifier(const TrustAnchors& anchors, CertificateCache& cache)
      : chain_verifier_(anchors, cache) {}

  // Verifies `document` (raw COSE_Sign1 bytes) as of `now`. When `expected_platform` is set, a
  // document of the other Nitro kind is kMalformedEvidence. Certificates must be valid both at
  // the document's timestamp and at `now`.
  Result<VerifiedEvidence> Verify(ByteSpan document, Time now,
                                  std::optional<Platform> expected_platform = {}) const;

 private:
  CertChainVerifier chain_verifier_;
};

}  // namespace kb::broker
