#include "storage/pg/pg_principal_store.h"

#include <algorithm>

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

Error NoSuchPrincipal(std::string_view name) {
  return Error{ErrorCode::kNotFound, "no principal " + std::string(name)};
}

// Complete statements (adjacent literals): one row by its key, or every row in the SQLite
// store's order, text ordered bytewise (COLLATE "C") whatever the database's locale.
#define KB_SELECT_PRINCIPALS \
  "SELECT name, roles, created_at, created_by, disabled_at, approved FROM principals "
constexpr char kSelectPrincipal[] = KB_SELECT_PRINCIPALS "WHERE name = $1";
constexpr char kSelectAllPrincipals[] = KB_SELECT_PRINCIPALS "ORDER BY name COLLATE \"C\"";
#undef KB_SELECT_PRINCIPALS
#define KB_SELECT_TOKENS                                                              \
  "SELECT id, principal, token_sha256, created_at, expires_at, revoked_at, approved " \
  "FROM tokens "
constexpr char kSelectToken[] = KB_SELECT_TOKENS "WHERE id = $1";
constexpr char kSelectAllTokens[] = KB_SELECT_TOKENS "ORDER BY created_at, id COLLATE \"C\"";
#undef KB_SELECT_TOKENS
#define KB_SELECT_CERTIFICATES                                                       \
  "SELECT id, principal, spki_sha256, created_at, created_by, revoked_at, approved " \
  "FROM client_certificates "
constexpr char kSelectCertificate[] = KB_SELECT_CERTIFICATES "WHERE id = $1";
constexpr char kSelectAllCertificates[] =
    KB_SELECT_CERTIFICATES "ORDER BY created_at, id COLLATE \"C\"";
#undef KB_SELECT_CERTIFICATES

// The rows of `one` (binding $1 = key) or of `all`.
Result<PgResult> Select(PgConnection& c, const char* one, const char* all,
                        std::optional<std::string_view> key, std::string_view what) {
  PgParams params;
  if (key) params.Add(*key);
  return c.Exec(key ? one : all, params, what);
}

Result<std::vector<PrincipalRecord>> QueryPrincipals(PgConnection& c,
                                                     std::optional<std::string_view> name) {
  auto rows = Select(c, kSelectPrincipal, kSelectAllPrincipals, name, "load principals");
  if (!rows) return std::move(rows).error();
  std::vector<PrincipalRecord> out;
  for (int i = 0; i < rows->rows(); ++i) {
    out.push_back({rows->Text(i, 0), SplitRoles(rows->Text(i, 1)), rows->TimeAt(i, 2),
                   rows->Text(i, 3), rows->OptionalTimeAt(i, 4), rows->Int(i, 5) != 0});
  }
  return out;
}

// A SHA-256 column into `digest`; false when it is not 32 bytes.
bool ReadDigest(const PgResult& rows, int row, int column, Sha256Digest& digest) {
  Bytes hash = rows.Blob(row, column);
  if (hash.size() != digest.size()) return false;
  std::copy(hash.begin(), hash.end(), digest.begin());
  return true;
}

// Runs an UPDATE binding $1 = `key` and $2 = `now`; the number of rows it changed.
Result<uint64_t> UpdateAt(PgConnection& c, const char* sql, std::string_view key, Time now,
                          const char* what) {
  PgParams params;
  params.Add(key).Add(now);
  return c.Command(sql, params, what);
}

}  // namespace

Status PgPrincipalStore::CreatePrincipal(Tx& tx, const PrincipalRecord& p, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams row;
        row.Add(p.name).Add(JoinRoles(p.roles)).Add(p.created_at);
        row.Add(p.created_by).Add(int64_t(p.approved));
        auto inserted = c.Command(
            "INSERT INTO principals (name, roles, created_at, created_by, "
            "approved) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
            row, "insert principal");
        if (!inserted) return std::move(inserted).error();
        if (*inserted == 0) {
          return Error{ErrorCode::kConflict, "principal " + p.name + " already exists"};
        }
        return Ok();
      });
}

Result<std::vector<PrincipalRecord>> PgPrincipalStore::LoadPrincipals(
    std::optional<std::string_view> name) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  return QueryPrincipals(**c, name);
}

Result<PrincipalRecord> PgPrincipalStore::GetPrincipal(std::string_view name) {
  auto found = LoadPrincipals(name);
  if (!found) return std::move(found).error();
  if (found->empty()) return NoSuchPrincipal(name);
  return std::move(found->front());
}

Status PgPrincipalStore::DisablePrincipal(Tx& tx, std::string_view name, Time now,
                                          AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        auto disabled = UpdateAt(
            c, "UPDATE principals SET disabled_at = coalesce(disabled_at, $2) WHERE name = $1",
            name, now, "disable principal");
        if (!disabled) return std::move(disabled).error();
        if (*disabled == 0) return NoSuchPrincipal(name);
        // Its credentials go with it, so that re-enabling a principal (a new approval) never
        // revives a credential by accident.
        for (const char* sql :
             {"UPDATE tokens SET revoked_at = coalesce(revoked_at, $2) WHERE principal = $1",
              "UPDATE client_certificates SET revoked_at = coalesce(revoked_at, $2) "
              "WHERE principal = $1"}) {
          if (auto revoked = UpdateAt(c, sql, name, now, "revoke credentials"); !revoked) {
            return std::move(revoked).error();
          }
        }
        return Ok();
      });
}

Result<std::vector<PrincipalRecord>> PgPrincipalStore::ListPrincipals() {
  return LoadPrincipals(std::nullopt);
}

Result<std::vector<PrincipalRecord>> PgPrincipalStore::ListPrincipals(Tx& tx) {
  std::vector<PrincipalRecord> all;
  auto read = InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    auto loaded = QueryPrincipals(c, std::nullopt);  // on the unit's connection: sees its writes
    if (!loaded) return std::move(loaded).error();
    all = std::move(*loaded);
    return Ok();
  });
  if (!read) return std::move(read).error();
  return all;
}

Status PgPrincipalStore::AddToken(Tx& tx, const TokenRecord& t, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams row;
        row.Add(t.id).Add(t.principal).Add(ByteSpan(t.token_sha256));
        row.Add(t.created_at).Add(t.expires_at).Add(int64_t(t.approved));
        auto inserted = c.Command(
            "INSERT INTO tokens (id, principal, token_sha256, created_at, expires_at, approved) "
            "SELECT $1, name, $3, $4, $5, $6 FROM principals WHERE name = $2 "
            "ON CONFLICT (id) DO NOTHING",
            row, "insert token");
        if (!inserted) return std::move(inserted).error();
        if (*inserted == 0) {
          return Error{ErrorCode::kNotFound,
                       "no principal " + t.principal + " (or token id taken)"};
        }
        return Ok();
      });
}

Result<std::vector<TokenRecord>> PgPrincipalStore::LoadTokens(std::optional<std::string_view> id) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  auto rows = Select(**c, kSelectToken, kSelectAllTokens, id, "load tokens");
  if (!rows) return std::move(rows).error();
  std::vector<TokenRecord> out;
  for (int i = 0; i < rows->rows(); ++i) {
    TokenRecord t;
    t.id = rows->Text(i, 0);
    t.principal = rows->Text(i, 1);
    if (!ReadDigest(*rows, i, 2, t.token_sha256)) return Error{ErrorCode::kInternal, "token row"};
    t.created_at = rows->TimeAt(i, 3);
    t.expires_at = rows->OptionalTimeAt(i, 4);
    t.revoked_at = rows->OptionalTimeAt(i, 5);
    t.approved = rows->Int(i, 6) != 0;
    out.push_back(std::move(t));
  }
  return out;
}

Result<TokenRecord> PgPrincipalStore::GetToken(std::string_view id) {
  auto found = LoadTokens(id);
  if (!found) return std::move(found).error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "no token " + std::string(id)};
  return std::move(found->front());
}

Result<std::vector<TokenRecord>> PgPrincipalStore::ListTokens() { return LoadTokens(std::nullopt); }

Status PgPrincipalStore::RevokeToken(Tx& tx, std::string_view id, Time now, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        auto revoked =
            UpdateAt(c, "UPDATE tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1", id,
                     now, "revoke token");
        if (!revoked) return std::move(revoked).error();
        if (*revoked == 0) return Error{ErrorCode::kNotFound, "no token " + std::string(id)};
        return Ok();
      });
}

Status PgPrincipalStore::AddClientCertificate(Tx& tx, const ClientCertificateRecord& cert,
                                              AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams row;
        row.Add(cert.id).Add(cert.principal).Add(ByteSpan(cert.spki_sha256));
        row.Add(cert.created_at).Add(cert.created_by).Add(int64_t(cert.approved));
        auto inserted = c.Command(
            "INSERT INTO client_certificates (id, principal, spki_sha256, created_at, created_by, "
            "approved) SELECT $1, name, $3, $4, $5, $6 FROM principals WHERE name = $2 "
            "ON CONFLICT DO NOTHING",
            row, "insert client certificate");
        if (!inserted) return std::move(inserted).error();
        if (*inserted != 0) return Ok();
        // Nothing inserted: no principal, or the key is bound. Read inside the unit's transaction,
        // which holds the write lock (PgDatabase::kWriteLock), so no other replica's write lands
        // between the insert and this read.
        auto principal = QueryPrincipals(c, cert.principal);
        if (!principal) return std::move(principal).error();
        if (principal->empty()) return NoSuchPrincipal(cert.principal);
        return Error{ErrorCode::kConflict,
                     "this certificate's key is bound already (" + cert.id + ")"};
      });
}

Result<std::vector<ClientCertificateRecord>> PgPrincipalStore::LoadClientCertificates(
    std::optional<std::string_view> id) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  auto rows =
      Select(**c, kSelectCertificate, kSelectAllCertificates, id, "load client certificates");
  if (!rows) return std::move(rows).error();
  std::vector<ClientCertificateRecord> out;
  for (int i = 0; i < rows->rows(); ++i) {
    ClientCertificateRecord cert;
    cert.id = rows->Text(i, 0);
    cert.principal = rows->Text(i, 1);
    if (!ReadDigest(*rows, i, 2, cert.spki_sha256)) {
      return Error{ErrorCode::kInternal, "certificate row"};
    }
    cert.created_at = rows->TimeAt(i, 3);
    cert.created_by = rows->Text(i, 4);
    cert.revoked_at = rows->OptionalTimeAt(i, 5);
    cert.approved = rows->Int(i, 6) != 0;
    out.push_back(std::move(cert));
  }
  return out;
}

Result<ClientCertificateRecord> PgPrincipalStore::GetClientCertificate(std::string_view id) {
  auto found = LoadClientCertificates(id);
  if (!found) return std::move(found).error();
  if (found->empty()) {
    return Error{ErrorCode::kNotFound, "no client certificate " + std::string(id)};
  }
  return std::move(found->front());
}

Result<std::vector<ClientCertificateRecord>> PgPrincipalStore::ListClientCertificates() {
  return LoadClientCertificates(std::nullopt);
}

Status PgPrincipalStore::RevokeClientCertificate(Tx& tx, std::string_view id, Time now,
                                                 AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        auto revoked = UpdateAt(
            c, "UPDATE client_certificates SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
            id, now, "revoke client certificate");
        if (!revoked) return std::move(revoked).error();
        if (*revoked == 0) {
          return Error{ErrorCode::kNotFound, "no client certificate " + std::string(id)};
        }
        return Ok();
      });
}

}  // namespace kb::storage
