#pragma once

// Admin principals (a name and its roles), their bearer tokens and their client certificates. A
// token is stored only as the SHA-256 of its text; the text is shown once, at creation. A client
// certificate is bound to its principal by the SHA-256 of its SubjectPublicKeyInfo. A principal,
// or a token or certificate binding made for another principal, may be created unapproved: it
// authenticates nobody until the approval store marks it approved (the two-person rule). Every
// change is appended to the audit log in the same transaction, so a change without its audit row
// cannot survive a crash.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "crypto/digest.h"
#include "storage/audit_log.h"

namespace kb::storage {

struct PrincipalRecord {
  std::string name;
  std::vector<std::string> roles;
  Time created_at{};
  std::string created_by;
  std::optional<Time> disabled_at;
  bool approved = true;  // false: created through the API, waiting for its approvals
};

struct TokenRecord {
  std::string id;  // public: names the token in lists, audit rows and revocation
  std::string principal;
  Sha256Digest token_sha256{};
  Time created_at{};
  std::optional<Time> expires_at;
  std::optional<Time> revoked_at;
  bool approved = true;  // false: issued for another principal, waiting for its approvals
};

// A client certificate's key, bound to the principal its subject CN names.
struct ClientCertificateRecord {
  std::string id;  // "cert:" + hex spki_sha256: names the binding in lists, approvals, revocation
  std::string principal;
  Sha256Digest spki_sha256{};  // of the certificate's SubjectPublicKeyInfo DER
  Time created_at{};
  std::string created_by;
  std::optional<Time> revoked_at;
  bool approved = true;  // false: bound for another principal, waiting for its approvals
};

// The roles column: the role names, comma-separated. Every backend encodes and decodes it with
// these.
std::string JoinRoles(const std::vector<std::string>& roles);
std::vector<std::string> SplitRoles(const std::string& text);

class PrincipalStore {
 public:
  virtual ~PrincipalStore() = default;
  // kConflict if the name exists.
  virtual Status CreatePrincipal(Tx& tx, const PrincipalRecord& principal, AuditRecord audit) = 0;
  // kNotFound if absent.
  virtual Result<PrincipalRecord> GetPrincipal(std::string_view name) = 0;
  // Disables the principal and revokes all its tokens and client certificates at once. kNotFound if
  // absent; disabling twice keeps the first time.
  virtual Status DisablePrincipal(Tx& tx, std::string_view name, Time now, AuditRecord audit) = 0;
  virtual Result<std::vector<PrincipalRecord>> ListPrincipals() = 0;
  // The same inside a unit of work, seeing its writes (the bootstrap's "none yet" check).
  virtual Result<std::vector<PrincipalRecord>> ListPrincipals(Tx& tx) = 0;
  // kNotFound if the principal does not exist; kConflict if the id does.
  virtual Status AddToken(Tx& tx, const TokenRecord& token, AuditRecord audit) = 0;
  // kNotFound if absent.
  virtual Result<TokenRecord> GetToken(std::string_view id) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  // kNotFound if absent; revoking a revoked token keeps the first revocation time.
  virtual Status RevokeToken(Tx& tx, std::string_view id, Time now, AuditRecord audit) = 0;

  // kNotFound if the principal does not exist; kConflict if the key is bound already (to anyone,
  // revoked or not: a key is bound once).
  virtual Status AddClientCertificate(Tx& tx, const ClientCertificateRecord& cert,
                                      AuditRecord audit) = 0;
  // kNotFound if absent.
  virtual Result<ClientCertificateRecord> GetClientCertificate(std::string_view id) = 0;
  virtual Result<std::vector<ClientCertificateRecord>> ListClientCertificates() = 0;
  // kNotFound if absent; revoking twice keeps the first revocation time.
  virtual Status RevokeClientCertificate(Tx& tx, std::string_view id, Time now,
                                         AuditRecord audit) = 0;
};

}  // namespace kb::storage
