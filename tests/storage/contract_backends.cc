// The backends every storage contract suite runs on. A second backend adds its factory here.

#include "storage/sqlite_access_key_store.h"
#include "storage/sqlite_approval_store.h"
#include "storage/sqlite_attestation_key_store.h"
#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_import_token_store.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_kms_grant_store.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_principal_store.h"
#include "storage/sqlite_reference_store.h"
#include "storage/sqlite_unit_of_work.h"
#include "tests/storage/storage_contract.h"
#include "tests/support/test_paths.h"

namespace kb::storage::contract {
namespace {

// The SQLite stores over a real database file in a fresh temporary directory.
class SqliteBackend final : public StorageBackend {
 public:
  SqliteBackend() : path_(testing::MakeTempDir() + "/kb.db") { Open(); }

  UnitOfWork& unit_of_work() override { return stores_->unit_of_work; }
  AuditLog& audit() override { return stores_->audit; }
  KeyStore& keys() override { return stores_->keys; }
  PolicyStore& policies() override { return stores_->policies; }
  ReferenceStore& references() override { return stores_->references; }
  ApprovalStore& approvals() override { return stores_->approvals; }
  PrincipalStore& principals() override { return stores_->principals; }
  AccessKeyStore& access_keys() override { return stores_->access_keys; }
  AttestationKeyStore& attestation_keys() override { return stores_->attestation_keys; }
  KmsGrantStore& grants() override { return stores_->grants; }
  ImportTokenStore& import_tokens() override { return stores_->import_tokens; }

  void Reopen() override {
    stores_.reset();
    db_.reset();
    Open();
  }

 private:
  struct Stores {
    explicit Stores(Database& db)
        : unit_of_work(db),
          audit(db),
          keys(db),
          policies(db),
          references(db),
          approvals(db, audit),
          principals(db, audit),
          access_keys(db, audit),
          attestation_keys(db, audit),
          grants(db, audit),
          import_tokens(db) {}
    SqliteUnitOfWork unit_of_work;
    SqliteAuditLog audit;
    SqliteKeyStore keys;
    SqlitePolicyStore policies;
    SqliteReferenceStore references;
    SqliteApprovalStore approvals;
    SqlitePrincipalStore principals;
    SqliteAccessKeyStore access_keys;
    SqliteAttestationKeyStore attestation_keys;
    SqliteKmsGrantStore grants;
    SqliteImportTokenStore import_tokens;
  };

  void Open() {
    db_ = std::move(Database::Open(path_)).value();
    stores_ = std::make_unique<Stores>(*db_);
  }

  std::string path_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Stores> stores_;  // declared after db_: destroyed before it
};

}  // namespace

std::vector<BackendFactory> ContractBackends() {
  return {{"Sqlite", [] { return std::make_unique<SqliteBackend>(); }}};
}

}  // namespace kb::storage::contract
