#pragma once

#include "storage/database.h"
#include "storage/principal_store.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage {

class SqlitePrincipalStore final : public PrincipalStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  SqlitePrincipalStore(Database& db, SqliteAuditLog& audit) : db_(db), audit_(audit) {}

  Status CreatePrincipal(const PrincipalRecord& principal, AuditRecord audit) override;
  Result<PrincipalRecord> GetPrincipal(std::string_view name) override;
  Status DisablePrincipal(std::string_view name, Time now, AuditRecord audit) override;
  Result<std::vector<PrincipalRecord>> ListPrincipals() override;
  Status AddToken(const TokenRecord& token, AuditRecord audit) override;
  Result<TokenRecord> GetToken(std::string_view id) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Status RevokeToken(std::string_view id, Time now, AuditRecord audit) override;
  Status AddClientCertificate(const ClientCertificateRecord& cert, AuditRecord audit) override;
  Result<ClientCertificateRecord> GetClientCertificate(std::string_view id) override;
  Result<std::vector<ClientCertificateRecord>> ListClientCertificates() override;
  Status RevokeClientCertificate(std::string_view id, Time now, AuditRecord audit) override;

 private:
  Result<std::vector<PrincipalRecord>> LoadPrincipals(std::optional<std::string_view> name);
  Result<std::vector<TokenRecord>> LoadTokens(std::optional<std::string_view> id);
  Result<std::vector<ClientCertificateRecord>> LoadClientCertificates(
      std::optional<std::string_view> id);
  // Runs an UPDATE binding ?1 = `key` and ?2 = `now`; the number of rows it changed.
  Result<int> UpdateAt(const char* sql, std::string_view key, Time now, const char* what);

  Database& db_;
  SqliteAuditLog& audit_;
};

}  // namespace kb::storage
