#pragma once

// Verifies a Nitro certificate path: root (DER-equal to a trust anchor) → intermediates → leaf.
//
// Links not in the cache are verified by OpenSSL's X509_verify_cert at the document's time,
// anchored at the last trusted certificate (the root, or a cached intermediate with
// X509_V_FLAG_PARTIAL_CHAIN); the path OpenSSL built must be exactly the given order. Then, for
// every certificate, cached or not: validity at the document time and at `now`, CA flag and key
// usage on issuers, path length constraints, a P-384 key, and a non-CA leaf with
// digitalSignature usage. X509_V_FLAG_X509_STRICT is not set: real leaves lack an AKI.

#include <span>
#include <vector>

#include "broker/evidence/certificate_cache.h"
#include "broker/evidence/evidence_claims.h"
#include "broker/evidence/trust_anchors.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ossl.h"

namespace kb::broker {

struct VerifiedChain {
  std::vector<CertificateInfo> certificates;  // root first, leaf last
  std::shared_ptr<const CertificateLink> leaf;
};

class CertChainVerifier {
 public:
  // REQUIRES: `anchors` and `cache` outlive this object.
  CertChainVerifier(const TrustAnchors& anchors, CertificateCache& cache)
      : anchors_(anchors), cache_(cache) {}

  // `path` is [root, intermediates..., leaf] as DER. Errors: kUntrustedChain (unknown root, bad
  // signature, wrong order, constraints), kCertificateExpired (outside validity at either
  // time), kMalformedEvidence (undecodable certificate). Thread-safe.
  Result<VerifiedChain> Verify(std::span<const ByteSpan> path, Time document_time, Time now) const;

 private:
  Status VerifyWithOpenSsl(const TrustAnchor& anchor, std::span<const ByteSpan> path,
                           std::span<const Sha256Digest> fingerprints, size_t first,
                           Time document_time,
                           std::vector<std::shared_ptr<const CertificateLink>>& links) const;

  const TrustAnchors& anchors_;
  CertificateCache& cache_;
};

}  // namespace kb::broker
