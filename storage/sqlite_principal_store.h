#pragma once

#include "storage/database.h"
#include "storage/principal_store.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage {

class SqlitePrincipalStore final : public PrincipalStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  SqlitePrincipalStore(Database& db, SqliteAuditLog& audit) : db_(db), audit_(audit) {}

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
  Result<std::vector<PrincipalRecord>> LoadPrincipals(std::optional<std::string_view> name);
  // REQUIRES: lock held (inside a write).
  Result<std::vector<PrincipalRecord>> LoadPrincipalsLocked(std::optional<std::string_view> name);
  Result<std::vector<TokenRecord>> LoadTokens(std::optional<std::string_view> id);
  Result<std::vector<ClientCertificateRecord>> LoadClientCertificates(
      std::optional<std::string_view> id);
  // Runs an UPDATE binding ?1 = `key` and ?2 = `now`; the number of rows it changed.
  Result<int> UpdateAt(const char* sql, std::string_view key, Time now, const char* what);

  Database& db_;
  SqliteAuditLog& audit_;
};

}  // namespace kb::storage
