// The PostgreSQL backend for every storage contract suite (kb_storage_pg_test): the same suites
// as kb_storage_test, each test on a fresh schema of the tests' cluster.

#include "storage/pg/pg_access_key_store.h"
#include "storage/pg/pg_approval_store.h"
#include "storage/pg/pg_attestation_key_store.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_import_token_store.h"
#include "storage/pg/pg_key_store.h"
#include "storage/pg/pg_kms_grant_store.h"
#include "storage/pg/pg_policy_store.h"
#include "storage/pg/pg_principal_store.h"
#include "storage/pg/pg_reference_store.h"
#include "storage/pg/pg_unit_of_work.h"
#include "tests/storage/storage_contract.h"
#include "tests/support/test_postgres.h"

namespace kb::storage::contract {
namespace {

class PgBackend final : public StorageBackend {
 public:
  PgBackend() : pg_(testing::FreshPostgresSchema()) { Open(); }

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
    explicit Stores(PgDatabase& db)
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
    PgUnitOfWork unit_of_work;
    PgAuditLog audit;
    PgKeyStore keys;
    PgPolicyStore policies;
    PgReferenceStore references;
    PgApprovalStore approvals;
    PgPrincipalStore principals;
    PgAccessKeyStore access_keys;
    PgAttestationKeyStore attestation_keys;
    PgKmsGrantStore grants;
    PgImportTokenStore import_tokens;
  };

  void Open() {
    auto db = PgDatabase::Open(PgOptions{pg_.url, pg_.password, 4});
    if (!db) {
      ADD_FAILURE() << db.error().message;
      std::abort();
    }
    db_ = std::move(*db);
    stores_ = std::make_unique<Stores>(*db_);
  }

  testing::TestPostgres pg_;
  std::unique_ptr<PgDatabase> db_;
  std::unique_ptr<Stores> stores_;  // declared after db_: destroyed before it
};

}  // namespace

std::vector<BackendFactory> ContractBackends() {
  return {{"Postgres", [] { return std::make_unique<PgBackend>(); }}};
}

}  // namespace kb::storage::contract
