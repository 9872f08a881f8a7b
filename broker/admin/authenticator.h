#pragma once

// Bearer tokens for the admin API, and the principals they belong to.
//
// A token is "kbt_" ‖ id (16 hex) ‖ "_" ‖ secret (64 hex: 256 random bits). Only SHA-256 of the
// whole text is stored; the id finds the row, and the hash is compared in constant time. The
// text is returned once, by IssueToken, and never written anywhere by the broker.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "broker/admin/client_certificate.h"
#include "broker/admin/principal.h"
#include "common/result.h"
#include "crypto/random.h"
#include "storage/principal_store.h"
#include "storage/unit_of_work.h"

namespace kb::broker {

struct BoundCertificate {
  std::string id;  // ClientCertificateId of the key
  ClientCertificateIdentity identity;
};

struct IssuedToken {
  std::string id;
  std::string token;  // the secret text: shown to the caller once
  std::optional<Time> expires_at;
};

class Authenticator {
 public:
  // REQUIRES: `store`, `unit_of_work` (over the store's database) and `random` outlive the
  // authenticator.
  Authenticator(storage::PrincipalStore& store, storage::UnitOfWork& unit_of_work,
                const Random& random)
      : store_(store), unit_of_work_(unit_of_work), random_(random) {}

  // The principal a bearer token belongs to. kUnauthorized, with one generic message, for a
  // malformed, unknown, revoked or expired token.
  Result<Principal> Authenticate(std::string_view token, Time now);

  // The principal of a client certificate the TLS layer verified against the admin client CA:
  // its subject CN names the principal, and its key must be bound to that principal by an
  // approved, unrevoked binding. kUnauthorized, with one generic message, otherwise (whoever runs
  // the CA can write any name into a CN; only the binding is under the two-person rule).
  Result<Principal> AuthenticateCertificate(std::string_view common_name,
                                            const Sha256Digest& spki_sha256);

  // kMalformedRequest for a bad name or empty roles; kConflict if the name exists. An
  // unapproved principal authenticates nobody until the approval store approves it (IdentityAdmin
  // creates principals that way; only the offline bootstrap creates approved ones).
  // Each change commits with its audit row: in `tx` when given one (a larger unit of work), else
  // in a transaction of its own.
  Status CreatePrincipal(storage::Tx& tx, std::string_view name, RoleSet roles,
                         std::string_view actor, Time now, bool approved);
  Status CreatePrincipal(std::string_view name, RoleSet roles, std::string_view actor, Time now,
                         bool approved);
  // A new token for `principal`, valid for `ttl` (none: until revoked); an unapproved one
  // authenticates nobody until approved. kNotFound if there is no such principal.
  Result<IssuedToken> IssueToken(storage::Tx& tx, std::string_view principal,
                                 std::optional<std::chrono::seconds> ttl, std::string_view actor,
                                 Time now, bool approved);
  Result<IssuedToken> IssueToken(std::string_view principal,
                                 std::optional<std::chrono::seconds> ttl, std::string_view actor,
                                 Time now, bool approved);
  Status RevokeToken(std::string_view id, std::string_view actor, Time now);
  // Binds the key of the certificate in `pem` to `principal`; an unapproved binding
  // authenticates nobody until approved. kMalformedRequest unless `pem` is one certificate whose
  // CN is `principal` (the CN still names the principal); kNotFound if there is no such
  // principal; kConflict if the key is bound already.
  Result<BoundCertificate> BindCertificate(storage::Tx& tx, std::string_view principal,
                                           std::string_view pem, std::string_view actor, Time now,
                                           bool approved);
  Status RevokeCertificate(std::string_view id, std::string_view actor, Time now);
  // Disables `name` and revokes its tokens and client certificate bindings.
  // kConflict for the caller itself (an admin cannot lock everyone out by accident).
  Status DisablePrincipal(std::string_view name, std::string_view actor, Time now);

  storage::PrincipalStore& store() { return store_; }
  storage::UnitOfWork& unit_of_work() { return unit_of_work_; }

  // The principal `name` with its roles, for a credential that names it (a token, a client
  // certificate, a KMS access key). kUnauthorized if there is no such principal, it is disabled
  // or it still waits for its approvals.
  Result<Principal> LoadPrincipal(std::string_view name);

 private:
  storage::PrincipalStore& store_;
  storage::UnitOfWork& unit_of_work_;
  const Random& random_;
};

}  // namespace kb::broker
