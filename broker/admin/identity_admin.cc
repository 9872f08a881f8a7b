#include "broker/admin/identity_admin.h"

namespace kb::broker {
namespace {

using storage::ApprovalKind;
using storage::ApprovalSubject;

constexpr RoleSet kAdminRole = Roles({Role::kAdmin});

Error NeedsAdmin(std::string_view what) {
  return Error{ErrorCode::kForbidden,
               std::string(what) + " for another principal needs the admin role"};
}

}  // namespace

Result<ApprovalStatus> IdentityAdmin::CreatePrincipal(std::string_view name, RoleSet roles,
                                                      const Principal& actor, Time now) {
  ApprovalSubject subject{ApprovalKind::kPrincipal, std::string(name), 0};
  return quorum_.ChangeAndApprove(subject, actor, "principal.approve", now, [&] {
    return auth_.CreatePrincipal(name, roles, actor.name, now, /*approved=*/false);
  });
}

Result<Issued<IssuedToken>> IdentityAdmin::IssueToken(std::string_view principal,
                                                      std::optional<std::chrono::seconds> ttl,
                                                      const Principal& actor, Time now) {
  if (IsSelf(principal, actor)) {
    auto token = auth_.IssueToken(principal, ttl, actor.name, now, /*approved=*/true);
    if (!token) return std::move(token).error();
    return Issued<IssuedToken>{std::move(*token), {{actor.name}, quorum_.required(), true}};
  }
  if (!actor.HasAny(kAdminRole)) return NeedsAdmin("a token");
  IssuedToken token;
  ApprovalSubject subject{ApprovalKind::kToken, "", 0};
  auto status = quorum_.ChangeAndApprove(subject, actor, "token.approve", now, [&]() -> Status {
    auto issued = auth_.IssueToken(principal, ttl, actor.name, now, /*approved=*/false);
    if (!issued) return std::move(issued).error();
    token = std::move(*issued);
    subject.name = token.id;
    return Ok();
  });
  if (!status) return std::move(status).error();
  return Issued<IssuedToken>{std::move(token), std::move(*status)};
}

Result<Issued<IssuedAccessKey>> IdentityAdmin::IssueAccessKey(std::string_view principal,
                                                              const Principal& actor, Time now) {
  if (IsSelf(principal, actor)) {
    auto key = access_keys_.Issue(principal, actor.name, now, /*approved=*/true);
    if (!key) return std::move(key).error();
    return Issued<IssuedAccessKey>{std::move(*key), {{actor.name}, quorum_.required(), true}};
  }
  if (!actor.HasAny(kAdminRole)) return NeedsAdmin("an access key");
  IssuedAccessKey key;
  ApprovalSubject subject{ApprovalKind::kAccessKey, "", 0};
  auto status =
      quorum_.ChangeAndApprove(subject, actor, "access-key.approve", now, [&]() -> Status {
        auto issued = access_keys_.Issue(principal, actor.name, now, /*approved=*/false);
        if (!issued) return std::move(issued).error();
        key = std::move(*issued);
        subject.name = key.id;
        return Ok();
      });
  if (!status) return std::move(status).error();
  return Issued<IssuedAccessKey>{std::move(key), std::move(*status)};
}

Result<Issued<BoundCertificate>> IdentityAdmin::BindCertificate(std::string_view principal,
                                                                std::string_view pem,
                                                                const Principal& actor, Time now) {
  if (IsSelf(principal, actor)) {
    auto bound = auth_.BindCertificate(principal, pem, actor.name, now, /*approved=*/true);
    if (!bound) return std::move(bound).error();
    return Issued<BoundCertificate>{std::move(*bound), {{actor.name}, quorum_.required(), true}};
  }
  // Checked before the certificate is read: without admin, nothing about it matters.
  if (!actor.HasAny(kAdminRole)) return NeedsAdmin("a client certificate");
  BoundCertificate bound;
  ApprovalSubject subject{ApprovalKind::kClientCertificate, "", 0};
  auto status =
      quorum_.ChangeAndApprove(subject, actor, "client-cert.approve", now, [&]() -> Status {
        auto made = auth_.BindCertificate(principal, pem, actor.name, now, /*approved=*/false);
        if (!made) return std::move(made).error();
        bound = std::move(*made);
        subject.name = bound.id;
        return Ok();
      });
  if (!status) return std::move(status).error();
  return Issued<BoundCertificate>{std::move(bound), std::move(*status)};
}

Result<ApprovalStatus> IdentityAdmin::ApprovePrincipal(std::string_view name,
                                                       const Principal& actor, Time now) {
  return quorum_.Approve({ApprovalKind::kPrincipal, std::string(name), 0}, actor,
                         "principal.approve", now);
}

Result<ApprovalStatus> IdentityAdmin::ApproveToken(std::string_view id, const Principal& actor,
                                                   Time now) {
  return quorum_.Approve({ApprovalKind::kToken, std::string(id), 0}, actor, "token.approve", now);
}

Result<ApprovalStatus> IdentityAdmin::ApproveAccessKey(std::string_view id, const Principal& actor,
                                                       Time now) {
  return quorum_.Approve({ApprovalKind::kAccessKey, std::string(id), 0}, actor,
                         "access-key.approve", now);
}

Result<ApprovalStatus> IdentityAdmin::ApproveCertificate(std::string_view id,
                                                         const Principal& actor, Time now) {
  return quorum_.Approve({ApprovalKind::kClientCertificate, std::string(id), 0}, actor,
                         "client-cert.approve", now);
}

Status IdentityAdmin::RevokeCertificate(std::string_view id, const Principal& actor, Time now) {
  if (!actor.HasAny(kAdminRole)) {
    // Without admin, another principal's binding and no binding at all look the same.
    auto binding = auth_.store().GetClientCertificate(id);
    if (!binding && binding.error().code != ErrorCode::kNotFound) {
      return std::move(binding).error();
    }
    if (!binding || !IsSelf(binding->principal, actor)) {
      return NeedsAdmin("revoking a client certificate");
    }
  }
  return auth_.RevokeCertificate(id, actor.name, now);
}

Status IdentityAdmin::RevokeToken(std::string_view id, const Principal& actor, Time now) {
  if (!actor.HasAny(kAdminRole)) {
    // Without admin, another principal's token and no token at all look the same.
    auto token = auth_.store().GetToken(id);
    if (!token && token.error().code != ErrorCode::kNotFound) return std::move(token).error();
    if (!token || !IsSelf(token->principal, actor)) return NeedsAdmin("revoking a token");
  }
  return auth_.RevokeToken(id, actor.name, now);
}

}  // namespace kb::broker
