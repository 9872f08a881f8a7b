#pragma once

#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_database.h"
#include "storage/principal_store.h"

namespace kb::storage {

// SqlitePrincipalStore (sqlite_principal_store.h) on PostgreSQL, statement by statement.
class PgPrincipalStore final : public PrincipalStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  PgPrincipalStore(PgDatabase& db, PgAuditLog& audit) : db_(db), audit_(audit) {}

  Status CreatePrincipal(Tx& tx, const PrincipalRecord& principal, AuditRecord audit) override;
  Result<PrincipalRecord> GetPrincipal(std::string_view name) override;
  Status DisablePrincipal(Tx& tx, std::string_view name, Time now, AuditRecord audit) override;
  Result<std::vector<PrincipalRecord>> ListPrincipals() override;
  Result<std::vector<PrincipalRecord>> ListPrincipals(Tx& tx) override;
  Status AddToken(Tx& tx, const TokenRecord& token, AuditRecord audit) override;
  Result<TokenRecord> GetToken(std::string_view id) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Status RevokeToken(Tx& tx, std::string_view id, Time now, AuditRecord audit) override;
  Status AddClientCertificate(Tx& tx, const ClientCertificateRecord& cert,
                              AuditRecord audit) override;
  Result<ClientCertificateRecord> GetClientCertificate(std::string_view id) override;
  Result<std::vector<ClientCertificateRecord>> ListClientCertificates() override;
  Status RevokeClientCertificate(Tx& tx, std::string_view id, Time now, AuditRecord audit) override;

 private:
  // Each on a leased connection.
  Result<std::vector<PrincipalRecord>> LoadPrincipals(std::optional<std::string_view> name);
  Result<std::vector<TokenRecord>> LoadTokens(std::optional<std::string_view> id);
  Result<std::vector<ClientCertificateRecord>> LoadClientCertificates(
      std::optional<std::string_view> id);

  PgDatabase& db_;
  PgAuditLog& audit_;
};

}  // namespace kb::storage
