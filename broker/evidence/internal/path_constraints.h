#pragma once

// The facts of a certificate path that a cached link does not carry over from its first
// verification, because they depend on the time or on the certificate's position in this path:
// validity of every certificate at the document time and at `now` (kCertificateExpired), the CA
// flag and keyCertSign on every issuer, path length constraints of the root and of every
// intermediate, and a leaf that is not a CA and may sign (kUntrustedChain).
//
// OpenSSL checks most of these when it verifies a link; they are checked again here for every
// path because a link may have been cached from a path where the certificate stood elsewhere
// (for example a sub-CA cached as a leaf, then presented as an issuer).

#include <memory>
#include <span>

#include "broker/evidence/certificate_cache.h"
#include "common/result.h"

namespace kb::broker::internal {

// `links[i]` describes path certificate i (root first); links[0] is unused (the root is given
// by `root` and `root_path_len`, -1 for none). REQUIRES: links.size() >= 2, no null from index 1.
Status CheckPathConstraints(const CertificateInfo& root, long root_path_len,
                            std::span<const std::shared_ptr<const CertificateLink>> links,
                            Time document_time, Time now);

}  // namespace kb::broker::internal
