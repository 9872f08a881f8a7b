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

// A credential for `principal`, made by `make(tx, approved)` (its `id` names it): effective at once
// when `actor` is that principal; for another principal `actor` needs admin, and the credential
// waits, with `actor`'s approval, for the quorum.
template <typename Credential, typename Make>
Result<Issued<Credential>> IssueCredential(Quorum& quorum, std::string_view principal,
                                           const Principal& actor, Time now, ApprovalKind kind,
                                           std::string_view what, std::string_view action,
                                           Make make) {
  if (principal == actor.name) {
    Credential own;
    auto done = quorum.unit_of_work().Run([&](storage::Tx& tx) -> Status {
      auto made = make(tx, /*approved=*/true);
      if (!made) return std::move(made).error();
      own = std::move(*made);
      return Ok();
    });
    if (!done) return std::move(done).error();
    return Issued<Credential>{std::move(own), {{actor.name}, quorum.required(), true}};
  }
  // Checked before anything is made or read: without admin, nothing about it matters.
  if (!actor.HasAny(kAdminRole)) return NeedsAdmin(what);
  Credential credential;
  ApprovalSubject subject{kind, "", 0};
  auto status =
      quorum.ChangeAndApprove(subject, actor, action, now, [&](storage::Tx& tx) -> Status {
        auto made = make(tx, /*approved=*/false);
        if (!made) return std::move(made).error();
        credential = std::move(*made);
        subject.name = credential.id;
        return Ok();
      });
  if (!status) return std::move(status).error();
  return Issued<Credential>{std::move(credential), std::move(*status)};
}

}  // namespace

Result<ApprovalStatus> IdentityAdmin::CreatePrincipal(std::string_view name, RoleSet roles,
                                                      const Principal& actor, Time now) {
  ApprovalSubject subject{ApprovalKind::kPrincipal, std::string(name), 0};
  return quorum_.ChangeAndApprove(subject, actor, "principal.approve", now, [&](storage::Tx& tx) {
    return auth_.CreatePrincipal(tx, name, roles, actor.name, now, /*approved=*/false);
  });
}

Result<Issued<IssuedToken>> IdentityAdmin::IssueToken(std::string_view principal,
                                                      std::optional<std::chrono::seconds> ttl,
                                                      const Principal& actor, Time now) {
  return IssueCredential<IssuedToken>(
      quorum_, principal, actor, now, ApprovalKind::kToken, "a token", "token.approve",
      [&](storage::Tx& tx, bool approved) {
        return auth_.IssueToken(tx, principal, ttl, actor.name, now, approved);
      });
}

Result<Issued<IssuedAccessKey>> IdentityAdmin::IssueAccessKey(std::string_view principal,
                                                              const Principal& actor, Time now) {
  return IssueCredential<IssuedAccessKey>(
      quorum_, principal, actor, now, ApprovalKind::kAccessKey, "an access key",
      "access-key.approve", [&](storage::Tx& tx, bool approved) {
        return access_keys_.Issue(tx, principal, actor.name, now, approved);
      });
}

Result<Issued<BoundCertificate>> IdentityAdmin::BindCertificate(std::string_view principal,
                                                                std::string_view pem,
                                                                const Principal& actor, Time now) {
  return IssueCredential<BoundCertificate>(
      quorum_, principal, actor, now, ApprovalKind::kClientCertificate, "a client certificate",
      "client-cert.approve", [&](storage::Tx& tx, bool approved) {
        return auth_.BindCertificate(tx, principal, pem, actor.name, now, approved);
      });
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
