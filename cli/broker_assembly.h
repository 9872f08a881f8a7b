#pragma once

// The object graph of a running broker, built from the configuration in dependency order and
// owned in one place. `serve` builds it; the end-to-end tests build the same one.

#include <memory>

#include "api/admin_api.h"
#include "api/router.h"
#include "broker/admin/admin_service.h"
#include "broker/admin/authenticator.h"
#include "broker/admin/identity_admin.h"
#include "broker/admin/key_admin.h"
#include "broker/admin/kms_governance.h"
#include "broker/evidence/nitro_verifier.h"
#include "broker/evidence/tpm2_quote_verifier.h"
#include "broker/release_service.h"
#include "broker/xks/xks_service.h"
#include "cli/config.h"
#include "cli/keystore_assembly.h"
#include "storage/access_key_store.h"
#include "storage/approval_store.h"
#include "storage/attestation_key_store.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/file_audit_sink.h"
#include "storage/import_token_store.h"
#include "storage/key_store.h"
#include "storage/kms_grant_store.h"
#include "storage/ledger_writer.h"
#include "storage/pg/pg_database.h"
#include "storage/policy_store.h"
#include "storage/principal_store.h"
#include "storage/reference_store.h"
#include "storage/release_ledger.h"
#include "storage/sqlite_audit_log.h"
#include "storage/unit_of_work.h"

namespace kb::cli {

struct Broker {
  // The KEK and the keystore (and the PKCS#11 token they may use): declared first, so that
  // everything using them is destroyed before them.
  OpenedKeystore store;
  // Declared before the database that writes to it, so it is closed after it.
  std::unique_ptr<storage::FileAuditSink> audit_sink;  // null: no `audit_sink` configured
  // The database: SQLite (`db`, and `reads` below) or PostgreSQL (`pg`, which serves reads
  // and writes from its pool); the other is null. cli/storage_assembly.h opens it and makes
  // every store over it.
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::PgDatabase> pg;
  broker::TrustAnchors anchors = broker::TrustAnchors::AwsNitroDefault();
  broker::AttestationKeys aks;
  std::unique_ptr<broker::CertificateCache> cache;
  std::unique_ptr<broker::NitroVerifier> nitro;
  std::unique_ptr<broker::Tpm2QuoteVerifier> tpm2;
  std::unique_ptr<storage::KeyStore> keys;
  std::unique_ptr<storage::AuditLog> audit;  // keyed; every audit row goes through it
  storage::AuditRekey audit_rekey;           // what start-up converted (audit_setup.h)
  std::unique_ptr<storage::PolicyStore> policies;
  std::unique_ptr<storage::ReferenceStore> references;
  // A second, read-only connection for the release path's reads (nonce check, active policies,
  // references, keys): WAL lets them run while the ledger writer commits on `db`, whose lock is
  // held for the length of a sync.
  std::unique_ptr<storage::Database> reads;
  std::unique_ptr<storage::PolicyStore> release_policies;
  std::unique_ptr<storage::ReferenceStore> release_references;
  std::unique_ptr<storage::KeyStore> release_keys;
  std::unique_ptr<storage::ReleaseLedger> ledger;
  std::unique_ptr<storage::LedgerWriter> ledger_writer;
  std::unique_ptr<storage::PrincipalStore> principals;
  std::unique_ptr<storage::AccessKeyStore> access_key_store;
  std::unique_ptr<storage::ApprovalStore> approvals;
  std::unique_ptr<storage::AttestationKeyStore> attestation_keys;
  std::unique_ptr<storage::ImportTokenStore> import_tokens;
  std::unique_ptr<storage::KmsGrantStore> grants;
  std::unique_ptr<storage::UnitOfWork> unit_of_work;
  OsslRandom random;
  std::unique_ptr<broker::KeyManager> manager;
  std::unique_ptr<broker::KeyManager> release_manager;  // unseals through `release_keys` only
  std::unique_ptr<broker::KeyWrapper> wrapper;
  std::unique_ptr<api::RateLimiters> limits;
  std::unique_ptr<broker::EvidenceVerifiers> verifiers;
  std::unique_ptr<broker::PolicyGate> policy_gate;  // reads through `reads`
  std::unique_ptr<broker::ReleaseCore> release_core;
  std::unique_ptr<broker::ReleaseService> release;
  std::unique_ptr<broker::Authenticator> authenticator;
  std::unique_ptr<broker::AdminService> admin;
  std::unique_ptr<broker::KeyAdmin> key_admin;
  std::unique_ptr<broker::AccessKeys> access_keys;
  // The KMS and XKS APIs look access keys and their principals up through `reads`: a SigV4 check
  // never waits behind a commit's sync on the writer connection. (They change nothing.)
  std::unique_ptr<storage::PrincipalStore> api_principals;
  std::unique_ptr<storage::AccessKeyStore> api_access_key_store;
  std::unique_ptr<broker::Authenticator> api_authenticator;
  std::unique_ptr<broker::AccessKeys> api_access_keys;
  // The two-person rule for identities, keys and grants (AdminService keeps its own over the
  // same stores).
  std::unique_ptr<broker::Quorum> quorum;
  std::unique_ptr<broker::IdentityAdmin> identity;
  std::unique_ptr<broker::KmsGovernance> kms_governance;
  std::unique_ptr<broker::KmsService> kms;
  std::unique_ptr<api::kms::KmsServices> kms_api;
  std::unique_ptr<broker::XksService> xks;         // null unless xks.enabled
  std::unique_ptr<api::xks::XksServices> xks_api;  // null unless xks.enabled
  std::unique_ptr<api::AdminServices> admin_api;
};

// The KEK from `kek_file`; errors name the setting and the path ("kek_file: PATH: ...").
Result<broker::Kek> LoadConfiguredKek(const Config& config);

// Adds the configured `trust_roots` to `anchors` and `tpm_attestation_keys` to `aks`; errors
// name the setting and the file. `serve --check` and the start's checks run it on copies.
Status LoadConfiguredTrust(const Config& config, broker::TrustAnchors& anchors,
                           broker::AttestationKeys& aks);

// Opens the keystore (the KEK file or the PKCS#11 token), the database and the audit sink, keys an
// audit chain still in plain SHA-256 (an audit.rekey row at `now`; refused when the sink shows a
// downgrade), loads trust roots and attestation keys (configured and registered), and builds every
// service.
Status AssembleBroker(const Config& config, Time now, Broker& b);

}  // namespace kb::cli
