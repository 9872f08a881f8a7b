#include "storage/sqlite_principal_store.h"

#include <sstream>

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

std::string JoinRoles(const std::vector<std::string>& roles) {
  std::string out;
  for (const std::string& role : roles) out += (out.empty() ? "" : ",") + role;
  return out;
}

std::vector<std::string> SplitRoles(const std::string& text) {
  std::vector<std::string> roles;
  std::stringstream in(text);
  for (std::string role; std::getline(in, role, ',');) {
    if (!role.empty()) roles.push_back(role);
  }
  return roles;
}

Status SqlitePrincipalStore::CreatePrincipal(Tx& tx, const PrincipalRecord& p, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO principals (name, roles, created_at, created_by, approved) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, p.name).Bind(2, JoinRoles(p.roles)).Bind(3, p.created_at).Bind(4, p.created_by);
    row.Bind(5, int64_t(p.approved));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert principal");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict, "principal " + p.name + " already exists"};
    }
    return Ok();
  });
}

Result<std::vector<PrincipalRecord>> SqlitePrincipalStore::LoadPrincipals(
    std::optional<std::string_view> name) {
  auto lock = db_.lock();
  return LoadPrincipalsLocked(name);
}

Result<std::vector<PrincipalRecord>> SqlitePrincipalStore::LoadPrincipalsLocked(
    std::optional<std::string_view> name) {
  auto query = db_.Prepare(
      "SELECT name, roles, created_at, created_by, disabled_at, approved FROM principals "
      "WHERE ?1 IS NULL OR name = ?1 ORDER BY name");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (name) rows.Bind(1, *name);
  std::vector<PrincipalRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({rows.Text(0), SplitRoles(rows.Text(1)), rows.TimeAt(2), rows.Text(3),
                   rows.OptionalTimeAt(4), rows.Int(5) != 0});
  }
  if (rc != SQLITE_DONE) return db_.LastError("load principals");
  return out;
}

Result<PrincipalRecord> SqlitePrincipalStore::GetPrincipal(std::string_view name) {
  auto found = LoadPrincipals(name);
  if (!found) return std::move(found).error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "no principal " + std::string(name)};
  return std::move(found->front());
}

Result<int> SqlitePrincipalStore::UpdateAt(const char* sql, std::string_view key, Time now,
                                           const char* what) {
  auto update = db_.Prepare(sql);
  if (!update) return std::move(update).error();
  Statement row(std::move(*update));
  row.Bind(1, key).Bind(2, now);
  if (row.Step() != SQLITE_DONE) return db_.LastError(what);
  return sqlite3_changes(db_.handle());
}

Status SqlitePrincipalStore::DisablePrincipal(Tx& tx, std::string_view name, Time now,
                                              AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto disabled =
        UpdateAt("UPDATE principals SET disabled_at = coalesce(disabled_at, ?2) WHERE name = ?1",
                 name, now, "disable principal");
    if (!disabled) return std::move(disabled).error();
    if (*disabled == 0) return Error{ErrorCode::kNotFound, "no principal " + std::string(name)};
    // Its credentials go with it, so that re-enabling a principal (a new approval) never revives
    // a credential by accident.
    for (const char* sql :
         {"UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE principal = ?1",
          "UPDATE client_certificates SET revoked_at = coalesce(revoked_at, ?2) "
          "WHERE principal = ?1"}) {
      if (auto revoked = UpdateAt(sql, name, now, "revoke credentials"); !revoked) {
        return std::move(revoked).error();
      }
    }
    return Ok();
  });
}

Result<std::vector<PrincipalRecord>> SqlitePrincipalStore::ListPrincipals() {
  return LoadPrincipals(std::nullopt);
}

Result<std::vector<PrincipalRecord>> SqlitePrincipalStore::ListPrincipals(Tx& tx) {
  std::vector<PrincipalRecord> all;
  auto read = InSavepoint(tx, db_, [&]() -> Status {
    auto loaded = LoadPrincipalsLocked(std::nullopt);
    if (!loaded) return std::move(loaded).error();
    all = std::move(*loaded);
    return Ok();
  });
  if (!read) return std::move(read).error();
  return all;
}

Status SqlitePrincipalStore::AddToken(Tx& tx, const TokenRecord& t, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO tokens (id, principal, token_sha256, created_at, expires_at, approved) "
        "SELECT ?1, name, ?3, ?4, ?5, ?6 FROM principals WHERE name = ?2 "
        "ON CONFLICT (id) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, t.id).Bind(2, t.principal).Bind(3, ByteSpan(t.token_sha256));
    row.Bind(4, t.created_at).Bind(5, t.expires_at).Bind(6, int64_t(t.approved));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert token");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound, "no principal " + t.principal + " (or token id taken)"};
    }
    return Ok();
  });
}

Result<std::vector<TokenRecord>> SqlitePrincipalStore::LoadTokens(
    std::optional<std::string_view> id) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT id, principal, token_sha256, created_at, expires_at, revoked_at, approved "
      "FROM tokens "
      "WHERE ?1 IS NULL OR id = ?1 ORDER BY created_at, id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (id) rows.Bind(1, *id);
  std::vector<TokenRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    TokenRecord t;
    t.id = rows.Text(0);
    t.principal = rows.Text(1);
    Bytes hash = rows.Blob(2);
    if (hash.size() != t.token_sha256.size()) return Error{ErrorCode::kInternal, "token row"};
    std::copy(hash.begin(), hash.end(), t.token_sha256.begin());
    t.created_at = rows.TimeAt(3);
    t.expires_at = rows.OptionalTimeAt(4);
    t.revoked_at = rows.OptionalTimeAt(5);
    t.approved = rows.Int(6) != 0;
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return db_.LastError("load tokens");
  return out;
}

Result<TokenRecord> SqlitePrincipalStore::GetToken(std::string_view id) {
  auto found = LoadTokens(id);
  if (!found) return std::move(found).error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "no token " + std::string(id)};
  return std::move(found->front());
}

Result<std::vector<TokenRecord>> SqlitePrincipalStore::ListTokens() {
  return LoadTokens(std::nullopt);
}

Status SqlitePrincipalStore::RevokeToken(Tx& tx, std::string_view id, Time now, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto revoked = UpdateAt("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                            id, now, "revoke token");
    if (!revoked) return std::move(revoked).error();
    if (*revoked == 0) return Error{ErrorCode::kNotFound, "no token " + std::string(id)};
    return Ok();
  });
}

Status SqlitePrincipalStore::AddClientCertificate(Tx& tx, const ClientCertificateRecord& c,
                                                  AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO client_certificates (id, principal, spki_sha256, created_at, created_by, "
        "approved) SELECT ?1, name, ?3, ?4, ?5, ?6 FROM principals WHERE name = ?2 "
        "ON CONFLICT DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, c.id).Bind(2, c.principal).Bind(3, ByteSpan(c.spki_sha256));
    row.Bind(4, c.created_at).Bind(5, c.created_by).Bind(6, int64_t(c.approved));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert client certificate");
    if (sqlite3_changes(db_.handle()) != 0) return Ok();
    auto principal = LoadPrincipalsLocked(c.principal);  // inside the unit's transaction
    if (!principal) return std::move(principal).error();
    if (principal->empty()) return Error{ErrorCode::kNotFound, "no principal " + c.principal};
    return Error{ErrorCode::kConflict, "this certificate's key is bound already (" + c.id + ")"};
  });
}

Result<std::vector<ClientCertificateRecord>> SqlitePrincipalStore::LoadClientCertificates(
    std::optional<std::string_view> id) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT id, principal, spki_sha256, created_at, created_by, revoked_at, approved "
      "FROM client_certificates WHERE ?1 IS NULL OR id = ?1 ORDER BY created_at, id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (id) rows.Bind(1, *id);
  std::vector<ClientCertificateRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    ClientCertificateRecord c;
    c.id = rows.Text(0);
    c.principal = rows.Text(1);
    Bytes hash = rows.Blob(2);
    if (hash.size() != c.spki_sha256.size()) return Error{ErrorCode::kInternal, "certificate row"};
    std::copy(hash.begin(), hash.end(), c.spki_sha256.begin());
    c.created_at = rows.TimeAt(3);
    c.created_by = rows.Text(4);
    c.revoked_at = rows.OptionalTimeAt(5);
    c.approved = rows.Int(6) != 0;
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return db_.LastError("load client certificates");
  return out;
}

Result<ClientCertificateRecord> SqlitePrincipalStore::GetClientCertificate(std::string_view id) {
  auto found = LoadClientCertificates(id);
  if (!found) return std::move(found).error();
  if (found->empty()) {
    return Error{ErrorCode::kNotFound, "no client certificate " + std::string(id)};
  }
  return std::move(found->front());
}

Result<std::vector<ClientCertificateRecord>> SqlitePrincipalStore::ListClientCertificates() {
  return LoadClientCertificates(std::nullopt);
}

Status SqlitePrincipalStore::RevokeClientCertificate(Tx& tx, std::string_view id, Time now,
                                                     AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto revoked = UpdateAt(
        "UPDATE client_certificates SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1", id,
        now, "revoke client certificate");
    if (!revoked) return std::move(revoked).error();
    if (*revoked == 0) {
      return Error{ErrorCode::kNotFound, "no client certificate " + std::string(id)};
    }
    return Ok();
  });
}

}  // namespace kb::storage
