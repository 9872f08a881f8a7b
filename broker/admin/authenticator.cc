#include "broker/admin/authenticator.h"

#include "broker/admin/internal/admin_audit.h"
#include "common/encoding.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "policy/reference.h"

namespace kb::broker {
namespace {

using internal::AdminAudit;

constexpr std::string_view kPrefix = "kbt_";
constexpr size_t kIdHex = 16, kSecretHex = 64;

Error Unauthorized() { return Error{ErrorCode::kUnauthorized, "invalid or expired token"}; }

// The actors of audit rows that no principal wrote: a principal by one of these names could pass
// its changes off as the broker's (the bootstrap directory, a release, a re-key).
bool IsReservedActor(std::string_view name) {
  for (std::string_view reserved : {"bootstrap", "keybroker", "unverified"}) {
    if (name == reserved) return true;
  }
  return name.starts_with("attested:") || name.starts_with("kms:");
}

bool IsLowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

Result<Principal> Authenticator::Authenticate(std::string_view token, Time now) {
  if (token.size() != kPrefix.size() + kIdHex + 1 + kSecretHex ||
      token.substr(0, kPrefix.size()) != kPrefix || token[kPrefix.size() + kIdHex] != '_') {
    return Unauthorized();
  }
  std::string_view id = token.substr(kPrefix.size(), kIdHex);
  if (!IsLowerHex(id)) return Unauthorized();
  auto record = store_.GetToken(id);
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) return Unauthorized();
    return std::move(record).error();
  }
  Sha256Digest presented = Sha256(AsBytes(token));
  if (!CtEqual(presented, record->token_sha256)) return Unauthorized();
  if (!record->approved || record->revoked_at ||
      (record->expires_at && now >= *record->expires_at)) {
    return Unauthorized();
  }
  return LoadPrincipal(record->principal);
}

Result<Principal> Authenticator::AuthenticateCertificate(std::string_view common_name,
                                                         const Sha256Digest& spki_sha256) {
  const Error refused{ErrorCode::kUnauthorized, "client certificate not bound to its principal"};
  auto binding = store_.GetClientCertificate(ClientCertificateId(spki_sha256));
  if (!binding) {
    if (binding.error().code == ErrorCode::kNotFound) return refused;
    return std::move(binding).error();
  }
  // The binding is found by the key; it must name this CN's principal: the CA holder's own
  // binding of her key does not make a certificate with that key and another CN count.
  if (binding->principal != common_name || !binding->approved || binding->revoked_at) {
    return refused;
  }
  return LoadPrincipal(common_name);
}

Result<Principal> Authenticator::LoadPrincipal(std::string_view name) {
  auto principal = store_.GetPrincipal(name);
  if (!principal) {
    if (principal.error().code == ErrorCode::kNotFound) {
      return Error{ErrorCode::kUnauthorized, "unknown principal"};
    }
    return std::move(principal).error();
  }
  if (principal->disabled_at) return Error{ErrorCode::kUnauthorized, "principal is disabled"};
  if (!principal->approved) {
    return Error{ErrorCode::kUnauthorized, "principal awaits its approvals"};
  }
  std::optional<RoleSet> roles = ParseRoles(principal->roles);
  if (!roles) return Error{ErrorCode::kInternal, "stored principal has an unknown role"};
  return Principal{principal->name, *roles};
}

Status Authenticator::CreatePrincipal(storage::Tx& tx, std::string_view name, RoleSet roles,
                                      std::string_view actor, Time now, bool approved) {
  if (!policy::IsValidName(name)) {
    return Error{ErrorCode::kMalformedRequest, "principal names are 1..128 of [A-Za-z0-9._@:/-]"};
  }
  if (IsReservedActor(name)) {
    return Error{ErrorCode::kMalformedRequest,
                 "principal name " + std::string(name) +
                     " is reserved: audit rows use it for the broker's own changes"};
  }
  if (roles == 0 || (roles & ~kAllRoles) != 0) {
    return Error{ErrorCode::kMalformedRequest, "a principal needs at least one known role"};
  }
  std::vector<std::string> names = RoleNames(roles);
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ",") + n;
  storage::PrincipalRecord record{std::string(name), names, now, std::string(actor)};
  record.approved = approved;
  return store_.CreatePrincipal(tx, record,
                                AdminAudit("principal.create", actor, now,
                                           "principal " + std::string(name) + " roles " + listed));
}

Result<IssuedToken> Authenticator::IssueToken(storage::Tx& tx, std::string_view principal,
                                              std::optional<std::chrono::seconds> ttl,
                                              std::string_view actor, Time now, bool approved) {
  Bytes id(kIdHex / 2), secret(kSecretHex / 2);
  if (auto s = random_.Fill(id); !s) return std::move(s).error();
  if (auto s = random_.Fill(secret); !s) return std::move(s).error();
  IssuedToken issued;
  issued.id = HexEncode(id);
  issued.token = std::string(kPrefix) + issued.id + "_" + HexEncode(secret);
  if (ttl) issued.expires_at = now + *ttl;
  storage::TokenRecord record;
  record.id = issued.id;
  record.principal = std::string(principal);
  record.token_sha256 = Sha256(AsBytes(issued.token));
  record.created_at = now;
  record.expires_at = issued.expires_at;
  record.approved = approved;
  auto added = store_.AddToken(
      tx, record,
      AdminAudit("token.create", actor, now,
                 "token " + issued.id + " for principal " + std::string(principal)));
  if (!added) return std::move(added).error();
  return issued;
}

Status Authenticator::DisablePrincipal(std::string_view name, std::string_view actor, Time now) {
  if (name == actor) return Error{ErrorCode::kConflict, "a principal cannot disable itself"};
  return unit_of_work_.Run([&](storage::Tx& tx) {
    return store_.DisablePrincipal(
        tx, name, now,
        AdminAudit("principal.disable", actor, now, "principal " + std::string(name)));
  });
}

Result<BoundCertificate> Authenticator::BindCertificate(storage::Tx& tx, std::string_view principal,
                                                        std::string_view pem,
                                                        std::string_view actor, Time now,
                                                        bool approved) {
  auto identity = ParseClientCertificatePem(pem);
  if (!identity) return std::move(identity).error();
  if (identity->common_name != principal) {
    return Error{ErrorCode::kMalformedRequest,
                 "the certificate's CN must be the principal's name, " + std::string(principal)};
  }
  BoundCertificate bound{ClientCertificateId(identity->spki_sha256), std::move(*identity)};
  storage::ClientCertificateRecord record;
  record.id = bound.id;
  record.principal = std::string(principal);
  record.spki_sha256 = bound.identity.spki_sha256;
  record.created_at = now;
  record.created_by = std::string(actor);
  record.approved = approved;
  auto added = store_.AddClientCertificate(
      tx, record,
      AdminAudit("client-cert.bind", actor, now,
                 "client certificate " + bound.id + " for principal " + std::string(principal)));
  if (!added) return std::move(added).error();
  return bound;
}

Status Authenticator::RevokeCertificate(std::string_view id, std::string_view actor, Time now) {
  return unit_of_work_.Run([&](storage::Tx& tx) {
    return store_.RevokeClientCertificate(
        tx, id, now,
        AdminAudit("client-cert.revoke", actor, now, "client certificate " + std::string(id)));
  });
}

Status Authenticator::RevokeToken(std::string_view id, std::string_view actor, Time now) {
  return unit_of_work_.Run([&](storage::Tx& tx) {
    return store_.RevokeToken(tx, id, now,
                              AdminAudit("token.revoke", actor, now, "token " + std::string(id)));
  });
}

Status Authenticator::CreatePrincipal(std::string_view name, RoleSet roles, std::string_view actor,
                                      Time now, bool approved) {
  return unit_of_work_.Run(
      [&](storage::Tx& tx) { return CreatePrincipal(tx, name, roles, actor, now, approved); });
}

Result<IssuedToken> Authenticator::IssueToken(std::string_view principal,
                                              std::optional<std::chrono::seconds> ttl,
                                              std::string_view actor, Time now, bool approved) {
  IssuedToken issued;
  auto done = unit_of_work_.Run([&](storage::Tx& tx) -> Status {
    auto token = IssueToken(tx, principal, ttl, actor, now, approved);
    if (!token) return std::move(token).error();
    issued = std::move(*token);
    return Ok();
  });
  if (!done) return std::move(done).error();
  return issued;
}

}  // namespace kb::broker
