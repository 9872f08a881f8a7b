#pragma once

// The roots a chain may end at. The AWS Nitro Enclaves Root G1 is built in, pinned by the SHA-256
// of its DER; more roots (a development CA, a future AWS root) are added from PEM.
// Immutable after setup; safe to share between threads for reading.

#include <memory>
#include <string_view>
#include <vector>

#include "broker/evidence/evidence_claims.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ossl.h"

namespace kb::broker {

struct TrustAnchor {
  OsslPtr<X509> cert;
  Bytes der;
  CertificateInfo info;
  long path_len;  // -1: no pathLenConstraint
};

class TrustAnchors {
 public:
  // Only the AWS Nitro Enclaves Root G1.
  static TrustAnchors AwsNitroDefault();
  // No roots at all (tests, or a deployment that names its roots explicitly).
  static TrustAnchors Empty() { return TrustAnchors(); }

  // Adds every certificate of a PEM bundle. Each must be a self-signed CA with a P-384 key.
  Status AddPem(std::string_view pem);

  // The anchor whose DER equals `der`, or nullptr.
  const TrustAnchor* Find(ByteSpan der) const;
  size_t size() const { return anchors_.size(); }

 private:
  TrustAnchors() = default;
  Status Add(OsslPtr<X509> cert);

  std::vector<std::unique_ptr<TrustAnchor>> anchors_;
};

// The SHA-256 fingerprint of AWS Nitro Enclaves Root G1 (ARCHITECTURE.md).
inline constexpr std::string_view kAwsNitroRootG1Sha256 =
    "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

}  // namespace kb::broker
