#pragma once

// Who can act: principals and the credentials they authenticate with, under the two-person rule.
//
// Everything that widens who can act needs `approvals_required` distinct principals holding
// `admin` (the API checks the role of each approver): a new principal, and a token, KMS access
// key or client certificate binding made for another principal. The credential's secret is shown
// once, to its requester, and authenticates nobody until the quorum approved it. A principal may
// issue and revoke its own tokens and bind its own client certificates alone: either carries
// exactly its principal's roles, never more, and a principal that can ask for a token could use the
// token anyway. Disabling a principal and revoking a credential only narrow, so they are immediate.
// Roles are fixed when a principal is created (a principal that needs other roles is a new
// principal, approved as such), and a disabled principal stays disabled: neither widening can
// happen on one person's word.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "broker/admin/access_keys.h"
#include "broker/admin/authenticator.h"
#include "broker/admin/quorum.h"

namespace kb::broker {

template <typename Credential>
struct Issued {
  Credential credential;  // with its secret, shown once
  ApprovalStatus approval;
};

class IdentityAdmin {
 public:
  // REQUIRES: every reference outlives this object.
  IdentityAdmin(Authenticator& auth, AccessKeys& access_keys, Quorum& quorum)
      : auth_(auth), access_keys_(access_keys), quorum_(quorum) {}

  // A new principal, pending with `actor`'s approval. kMalformedRequest / kConflict as
  // Authenticator::CreatePrincipal.
  Result<ApprovalStatus> CreatePrincipal(std::string_view name, RoleSet roles,
                                         const Principal& actor, Time now);
  // A token for `principal`: effective at once when that is `actor` itself, pending with
  // `actor`'s approval otherwise (kForbidden unless `actor` holds admin).
  Result<Issued<IssuedToken>> IssueToken(std::string_view principal,
                                         std::optional<std::chrono::seconds> ttl,
                                         const Principal& actor, Time now);
  // An access key for `principal`, on the same terms as a token.
  Result<Issued<IssuedAccessKey>> IssueAccessKey(std::string_view principal, const Principal& actor,
                                                 Time now);

  // A binding of the certificate in `pem` to `principal` (Authenticator::BindCertificate), on
  // the same terms as a token.
  Result<Issued<BoundCertificate>> BindCertificate(std::string_view principal, std::string_view pem,
                                                   const Principal& actor, Time now);

  Result<ApprovalStatus> ApprovePrincipal(std::string_view name, const Principal& actor, Time now);
  Result<ApprovalStatus> ApproveToken(std::string_view id, const Principal& actor, Time now);
  Result<ApprovalStatus> ApproveAccessKey(std::string_view id, const Principal& actor, Time now);
  Result<ApprovalStatus> ApproveCertificate(std::string_view id, const Principal& actor, Time now);

  // Immediate. A token's own principal may revoke it; anyone else needs admin (kForbidden).
  Status RevokeToken(std::string_view id, const Principal& actor, Time now);
  // Immediate, on the same terms: a binding's own principal, or admin.
  Status RevokeCertificate(std::string_view id, const Principal& actor, Time now);

 private:
  // Whether `actor` may act for `principal` alone, or needs admin and the quorum.
  static bool IsSelf(std::string_view principal, const Principal& actor) {
    return principal == actor.name;
  }

  Authenticator& auth_;
  AccessKeys& access_keys_;
  Quorum& quorum_;
};

}  // namespace kb::broker
