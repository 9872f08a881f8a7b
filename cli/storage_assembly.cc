#include "cli/storage_assembly.h"

#include <cstdlib>
#include <filesystem>

#include "cli/audit_setup.h"
#include "cli/broker_assembly.h"
#include "cli/kek_file.h"
#include "storage/pg/pg_access_key_store.h"
#include "storage/pg/pg_approval_store.h"
#include "storage/pg/pg_attestation_key_store.h"
#include "storage/pg/pg_import_token_store.h"
#include "storage/pg/pg_key_store.h"
#include "storage/pg/pg_kms_grant_store.h"
#include "storage/pg/pg_policy_store.h"
#include "storage/pg/pg_principal_store.h"
#include "storage/pg/pg_reference_store.h"
#include "storage/pg/pg_release_ledger.h"
#include "storage/pg/pg_unit_of_work.h"
#include "storage/sqlite_access_key_store.h"
#include "storage/sqlite_approval_store.h"
#include "storage/sqlite_attestation_key_store.h"
#include "storage/sqlite_import_token_store.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_kms_grant_store.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_principal_store.h"
#include "storage/sqlite_reference_store.h"
#include "storage/sqlite_release_ledger.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::cli {
namespace {

constexpr size_t kMaxPassword = 1024;

Error InDatabase(const Error& error) { return Error{error.code, "database: " + error.message}; }

Status OpenAuditSink(const Config& config, Broker& b) {
  if (config.audit_sink.empty()) return Ok();
  auto sink = storage::FileAuditSink::Open(config.audit_sink);
  if (!sink) return Error{sink.error().code, "audit_sink: " + sink.error().message};
  b.audit_sink = std::move(*sink);
  return Ok();
}

// SQLite: the writer connection serves every change and the ledger; a second, read-only
// connection serves the release path's and the SigV4 APIs' reads, which therefore never wait
// behind a commit's sync.
Status OpenSqlite(const Config& config, Time now, Broker& b) {
  auto db = storage::Database::Open(config.database, config.durability);
  if (!db) return InDatabase(db.error());
  b.db = std::move(*db);
  auto reads = storage::Database::OpenReadOnly(config.database);
  if (!reads) return std::move(reads).error();
  b.reads = std::move(*reads);
  auto audit = OpenKeyedAuditLog(*b.db, *b.store.kek, b.audit_sink.get(), now, &b.audit_rekey);
  if (!audit) return std::move(audit).error();
  storage::Database& db_ref = *b.db;
  storage::SqliteAuditLog& log = **audit;
  b.keys = std::make_unique<storage::SqliteKeyStore>(db_ref);
  b.policies = std::make_unique<storage::SqlitePolicyStore>(db_ref);
  b.references = std::make_unique<storage::SqliteReferenceStore>(db_ref);
  b.release_policies = std::make_unique<storage::SqlitePolicyStore>(*b.reads);
  b.release_references = std::make_unique<storage::SqliteReferenceStore>(*b.reads);
  b.release_keys = std::make_unique<storage::SqliteKeyStore>(*b.reads);
  b.ledger = std::make_unique<storage::SqliteReleaseLedger>(db_ref, *b.reads, log);
  b.principals = std::make_unique<storage::SqlitePrincipalStore>(db_ref, log);
  b.approvals = std::make_unique<storage::SqliteApprovalStore>(db_ref, log);
  b.access_key_store = std::make_unique<storage::SqliteAccessKeyStore>(db_ref, log);
  b.api_principals = std::make_unique<storage::SqlitePrincipalStore>(*b.reads, log);
  b.api_access_key_store = std::make_unique<storage::SqliteAccessKeyStore>(*b.reads, log);
  b.attestation_keys = std::make_unique<storage::SqliteAttestationKeyStore>(db_ref, log);
  b.import_tokens = std::make_unique<storage::SqliteImportTokenStore>(db_ref);
  b.grants = std::make_unique<storage::SqliteKmsGrantStore>(db_ref, log);
  b.unit_of_work = std::make_unique<storage::SqliteUnitOfWork>(db_ref);
  b.audit = std::move(*audit);
  return Ok();
}

// PostgreSQL: one pool serves reads and writes; the read-path stores are the same kind of store
// over the same pool (a read never waits for a writer there).
Status OpenPostgres(const Config& config, Time now, Broker& b) {
  auto password = ReadDatabasePassword(config);
  if (!password) return std::move(password).error();
  std::string secret(reinterpret_cast<const char*>(password->span().data()), password->size());
  auto pg = storage::PgDatabase::Open(
      {config.database, secret, config.database_connections, config.durability});
  std::fill(secret.begin(), secret.end(), '\0');
  if (!pg) return InDatabase(pg.error());
  b.pg = std::move(*pg);
  auto audit = OpenKeyedAuditLog(*b.pg, *b.store.kek, b.audit_sink.get(), now, &b.audit_rekey);
  if (!audit) return std::move(audit).error();
  storage::PgDatabase& db = *b.pg;
  storage::PgAuditLog& log = **audit;
  b.keys = std::make_unique<storage::PgKeyStore>(db);
  b.policies = std::make_unique<storage::PgPolicyStore>(db);
  b.references = std::make_unique<storage::PgReferenceStore>(db);
  b.release_policies = std::make_unique<storage::PgPolicyStore>(db);
  b.release_references = std::make_unique<storage::PgReferenceStore>(db);
  b.release_keys = std::make_unique<storage::PgKeyStore>(db);
  b.ledger = std::make_unique<storage::PgReleaseLedger>(db, log);
  b.principals = std::make_unique<storage::PgPrincipalStore>(db, log);
  b.approvals = std::make_unique<storage::PgApprovalStore>(db, log);
  b.access_key_store = std::make_unique<storage::PgAccessKeyStore>(db, log);
  b.api_principals = std::make_unique<storage::PgPrincipalStore>(db, log);
  b.api_access_key_store = std::make_unique<storage::PgAccessKeyStore>(db, log);
  b.attestation_keys = std::make_unique<storage::PgAttestationKeyStore>(db, log);
  b.import_tokens = std::make_unique<storage::PgImportTokenStore>(db);
  b.grants = std::make_unique<storage::PgKmsGrantStore>(db, log);
  b.unit_of_work = std::make_unique<storage::PgUnitOfWork>(db);
  b.audit = std::move(*audit);
  return Ok();
}

}  // namespace

Result<SecretBytes> ReadDatabasePassword(const Config& config) {
  std::string path = config.database_password_file;
  if (path.empty()) {
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    if (credentials == nullptr || *credentials == '\0') return SecretBytes();
    path = std::string(credentials) + "/" + kDatabasePasswordCredential;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return SecretBytes();
  }
  auto password = ReadSecretFile(path, "the database password file", kMaxPassword);
  if (!password)
    return Error{password.error().code, "database_password_file: " + password.error().message};
  size_t size = password->size();
  while (size > 0 && (password->span()[size - 1] == '\n' || password->span()[size - 1] == '\r')) {
    --size;
  }
  password->Truncate(size);
  if (password->empty()) {
    return Error{ErrorCode::kInternal, "database_password_file: " + path + ": the file is empty"};
  }
  return password;
}

Status OpenConfiguredStorage(const Config& config, Time now, Broker& b) {
  if (auto s = OpenAuditSink(config, b); !s) return s;
  if (storage::IsPostgresUrl(config.database)) return OpenPostgres(config, now, b);
  return OpenSqlite(config, now, b);
}

std::string DescribeDatabase(const Config& config) {
  if (storage::IsPostgresUrl(config.database)) {
    return "postgresql " + storage::RedactPostgresUrl(config.database);
  }
  return "sqlite " + config.database;
}

}  // namespace kb::cli
