#pragma once

// Complete offline verification of AWS Nitro Enclaves and NitroTPM attestation documents:
// COSE_Sign1 envelope → payload → certificate path to a trusted root → ES384 signature.
//
// Thread-safe: one instance serves all requests; the only shared state is the certificate cache.

#include <optional>

#include "broker/evidence/cert_chain_verifier.h"
#include "broker/evidence/certificate_cache.h"
#include "broker/evidence/evidence_verifier.h"
#include "broker/evidence/trust_anchors.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

class NitroVerifier final : public EvidenceVerifier {
 public:
  // REQUIRES: `anchors` and `cache` outlive the verifier.
  NitroVerifier(const TrustAnchors& anchors, CertificateCache& cache)
      : chain_verifier_(anchors, cache) {}

  // Verifies `document` (raw COSE_Sign1 bytes) as of `now`. When `expected_platform` is set, a
  // document of the other Nitro kind is kMalformedEvidence. Certificates must be valid both at
  // the document's timestamp and at `now`. (The default argument serves direct callers: tools,
  // tests and benches; through EvidenceVerifier the platform is always passed.)
  Result<VerifiedEvidence> Verify(ByteSpan document, Time now,
                                  std::optional<Platform> expected_platform = {}) const override;

 private:
  CertChainVerifier chain_verifier_;
};

}  // namespace kb::broker
