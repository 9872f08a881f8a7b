#include "broker/evidence/internal/path_constraints.h"

#include <openssl/x509v3.h>

#include "broker/evidence/internal/x509_util.h"

namespace kb::broker::internal {
namespace {

Error Untrusted(std::string message) {
  return Error{ErrorCode::kUntrustedChain, std::move(message)};
}

}  // namespace

Status CheckPathConstraints(const CertificateInfo& root, long root_path_len,
                            std::span<const std::shared_ptr<const CertificateLink>> links,
                            Time document_time, Time now) {
  size_t n = links.size();  // links[0] is unused: the root is the anchor
  if (!ValidAt(root, document_time) || !ValidAt(root, now)) {
    return Error{ErrorCode::kCertificateExpired, "root certificate is not valid"};
  }
  if (root_path_len >= 0 && long(n) - 2 > root_path_len) {
    return Untrusted("root path length constraint exceeded");
  }
  for (size_t i = 1; i < n; ++i) {
    const CertificateLink& link = *links[i];
    if (!ValidAt(link.info, document_time)) {
      return Error{ErrorCode::kCertificateExpired,
                   "certificate not valid at the document time: " + link.info.subject};
    }
    if (!ValidAt(link.info, now)) {
      return Error{ErrorCode::kCertificateExpired,
                   "certificate not valid at the verification time: " + link.info.subject};
    }
    bool is_leaf = i + 1 == n;
    if (is_leaf) {
      if (link.is_ca) return Untrusted("leaf certificate is a CA");
      if ((link.key_usage & KU_DIGITAL_SIGNATURE) == 0) {
        return Untrusted("leaf certificate may not sign");
      }
      continue;
    }
    if (!link.is_ca || (link.key_usage & KU_KEY_CERT_SIGN) == 0) {
      return Untrusted("intermediate certificate is not a CA");
    }
    if (link.path_len >= 0 && long(n - 2 - i) > link.path_len) {
      return Untrusted("path length constraint exceeded");
    }
  }
  return Ok();
}

}  // namespace kb::broker::internal
