#include "storage/pg/pg_migrations.h"

namespace kb::storage {

namespace {

// The same numbered steps as SQLite's (storage/migrations.cc), in PostgreSQL's types: BIGINT
// for times (ms since the epoch), BYTEA for blobs, octet_length for length. A change to one is
// a change to both, with the same number.

// 1: reference measurements and their PCR values.
constexpr const char kReferences[] = R"sql(
CREATE TABLE reference_measurements (
  name        TEXT PRIMARY KEY,
  platform    TEXT NOT NULL CHECK (platform IN ('nitro-enclave', 'nitro-tpm', 'tpm2-quote')),
  source      TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at  BIGINT  NOT NULL,  -- ms since the epoch
  created_by  TEXT NOT NULL
);
CREATE TABLE reference_pcrs (
  reference   TEXT NOT NULL REFERENCES reference_measurements (name) ON DELETE CASCADE,
  pcr         INTEGER NOT NULL CHECK (pcr BETWEEN 0 AND 31),
  value       BYTEA NOT NULL CHECK (octet_length(value) IN (32, 48)),
  PRIMARY KEY (reference, pcr)
);
)sql";

// 2: policies, every version kept, at most one active per name.
constexpr const char kPolicies[] = R"sql(
CREATE TABLE policy_versions (
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  source      TEXT NOT NULL,   -- the YAML as submitted
  created_at  BIGINT  NOT NULL,
  created_by  TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE active_policies (
  name        TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  FOREIGN KEY (name, version) REFERENCES policy_versions (name, version)
);
)sql";

// 3: keys and their versions, sealed under the KEK (never plaintext).
constexpr const char kKeys[] = R"sql(
CREATE TABLE keys (
  id               TEXT PRIMARY KEY,
  origin           TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
  enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  current_version  INTEGER NOT NULL CHECK (current_version >= 1),
  created_at       BIGINT  NOT NULL,
  created_by       TEXT NOT NULL
);
CREATE TABLE key_versions (
  key_id      TEXT NOT NULL REFERENCES keys (id),
  version     INTEGER NOT NULL CHECK (version >= 1),
  sealed      BYTEA NOT NULL,   -- AES-256-GCM under the KEK, AAD = key id and version
  created_at  BIGINT  NOT NULL,
  PRIMARY KEY (key_id, version)
);
)sql";

// 4: the audit log, hash-chained: each row carries the SHA-256 of its predecessor's hash and
// its own fields, so a removed, reordered or edited row breaks the chain.
constexpr const char kAudit[] = R"sql(
CREATE TABLE audit_log (
  seq              BIGINT PRIMARY KEY,  -- 1, 2, 3, ... without gaps
  time             BIGINT  NOT NULL,
  actor            TEXT NOT NULL,
  action           TEXT NOT NULL,
  key_id           TEXT NOT NULL,
  key_version      BIGINT  NOT NULL,  -- BIGINT: a KMS blob's version (u32) is recorded as sent
  policy           TEXT NOT NULL,
  policy_version   BIGINT  NOT NULL,
  evidence_type    TEXT NOT NULL,
  evidence_sha256  BYTEA NOT NULL,
  claims_sha256    BYTEA NOT NULL,
  decision         TEXT NOT NULL,
  reasons          TEXT NOT NULL,
  request_id       TEXT NOT NULL,
  prev_hash        BYTEA NOT NULL CHECK (octet_length(prev_hash) = 32),
  hash             BYTEA NOT NULL CHECK (octet_length(hash) = 32)
);
)sql";

// 5: challenge nonces. A used nonce stays (used_at set) until it expires, so that a replay is
// told apart from a nonce never issued.
constexpr const char kNonces[] = R"sql(
CREATE TABLE nonces (
  nonce       BYTEA PRIMARY KEY CHECK (octet_length(nonce) = 32),
  expires_at  BIGINT  NOT NULL,
  used_at     BIGINT
);
CREATE INDEX nonces_by_expiry ON nonces (expires_at);
)sql";

// 6: administration. Principals hold roles; tokens are stored only as SHA-256 hashes. Approvals
// implement the two-person rule for references, policy versions and attestation keys: a subject
// becomes effective once enough distinct principals approved it. A reference waits for
// approvals with approved = 0. Import tokens carry a one-time RSA wrapping key, sealed.
constexpr const char kAdmin[] = R"sql(
CREATE TABLE principals (
  name        TEXT PRIMARY KEY,
  roles       TEXT NOT NULL,  -- comma-separated role names
  created_at  BIGINT  NOT NULL,
  created_by  TEXT NOT NULL,
  disabled_at BIGINT           -- NULL: enabled; a disabled principal never authenticates again
);
CREATE TABLE tokens (
  id            TEXT PRIMARY KEY,
  principal     TEXT NOT NULL REFERENCES principals (name),
  token_sha256  BYTEA NOT NULL CHECK (octet_length(token_sha256) = 32),
  created_at    BIGINT  NOT NULL,
  expires_at    BIGINT,  -- NULL: never
  revoked_at    BIGINT
);
CREATE TABLE approvals (
  kind        TEXT NOT NULL CHECK (kind IN ('reference', 'policy', 'ak')),
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,  -- policy version; 0 for references and AKs
  principal   TEXT NOT NULL,
  at          BIGINT  NOT NULL,
  PRIMARY KEY (kind, name, version, principal)
);
ALTER TABLE reference_measurements
  ADD COLUMN approved INTEGER NOT NULL DEFAULT 1 CHECK (approved IN (0, 1));
CREATE TABLE attestation_keys (
  id          TEXT PRIMARY KEY,  -- "ak:" + hex SHA-256 of the SubjectPublicKeyInfo
  public_key  BYTEA NOT NULL,     -- as registered: PEM text or TPM2B_PUBLIC
  status      TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  description TEXT NOT NULL DEFAULT '',
  created_at  BIGINT  NOT NULL,
  created_by  TEXT NOT NULL
);
CREATE TABLE import_tokens (
  token_sha256  BYTEA PRIMARY KEY CHECK (octet_length(token_sha256) = 32),
  key_id        TEXT NOT NULL,
  wrapping_key  BYTEA NOT NULL,  -- PKCS#8 private key sealed under the KEK
  expires_at    BIGINT  NOT NULL,
  used_at       BIGINT
);
)sql";

// 7: KMS access keys (SigV4). The secret is sealed under the KEK: SigV4 verification needs it.
constexpr const char kAccessKeys[] = R"sql(
CREATE TABLE access_keys (
  id          TEXT PRIMARY KEY,
  principal   TEXT NOT NULL REFERENCES principals (name),
  secret      BYTEA NOT NULL,  -- sealed under the KEK, bound to the id
  created_at  BIGINT  NOT NULL,
  revoked_at  BIGINT
);
)sql";

// 8: governance under the two-person rule. Approvals cover more kinds (the code names them, so
// the table no longer lists them); a principal, and a token or access key issued for someone
// else, is usable only once approved (approved = 1; earlier rows were effective, hence the
// default). A policy version remembers that it reached the quorum of its time (approved = 1):
// raising approvals_required later must not make an old version approvable again by one
// principal; existing versions up to the active one count as approved. A request to make an
// approved policy version active again waits in policy_activations for its approvals.
constexpr const char kGovernance[] = R"sql(
CREATE TABLE approvals_v8 (
  kind        TEXT NOT NULL,
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,  -- policy version; 0 for subjects without one
  principal   TEXT NOT NULL,
  at          BIGINT  NOT NULL,
  PRIMARY KEY (kind, name, version, principal)
);
INSERT INTO approvals_v8 (kind, name, version, principal, at)
  SELECT kind, name, version, principal, at FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_v8 RENAME TO approvals;
ALTER TABLE principals ADD COLUMN approved INTEGER NOT NULL DEFAULT 1 CHECK (approved IN (0, 1));
ALTER TABLE tokens ADD COLUMN approved INTEGER NOT NULL DEFAULT 1 CHECK (approved IN (0, 1));
ALTER TABLE access_keys ADD COLUMN approved INTEGER NOT NULL DEFAULT 1 CHECK (approved IN (0, 1));
ALTER TABLE policy_versions ADD COLUMN approved INTEGER NOT NULL DEFAULT 0
  CHECK (approved IN (0, 1));
UPDATE policy_versions SET approved = 1 WHERE version <= coalesce(
  (SELECT a.version FROM active_policies a WHERE a.name = policy_versions.name), 0);
CREATE TABLE policy_activations (
  name          TEXT NOT NULL,
  version       INTEGER NOT NULL,
  requested_at  BIGINT  NOT NULL,
  requested_by  TEXT NOT NULL,
  PRIMARY KEY (name, version),
  FOREIGN KEY (name, version) REFERENCES policy_versions (name, version)
);
)sql";

// 9: KMS governance (issue 16). Every key gets one purpose and an attestation_required flag.
// Existing keys: a key that /v1/release ever released (an allowed "release" audit row) keeps
// `release`; a key served by the KMS API (an allowed "kms.*" row) and never released becomes
// `kms`; every other key is `release`. attestation_required starts at 1 for every key: a kms key
// that returned plaintext without a Recipient before needs an approved change to keep doing so.
// KMS grants: which kms-user may call which operations on which key; created pending, active
// once approved, revoked at once. Attestation changes: a proposed new attestation_required of a
// key, applied once approved; a newer proposal for the same key supersedes an older pending one.
// No grant is created here: after the upgrade, every kms-user needs an approved grant.
constexpr const char kKmsGovernance[] = R"sql(
ALTER TABLE keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'release'
  CHECK (purpose IN ('release', 'kms'));
ALTER TABLE keys ADD COLUMN attestation_required INTEGER NOT NULL DEFAULT 1
  CHECK (attestation_required IN (0, 1));
UPDATE keys SET purpose = 'kms'
  WHERE id IN (SELECT key_id FROM audit_log WHERE action LIKE 'kms.%' AND decision = 'allow')
    AND id NOT IN (SELECT key_id FROM audit_log WHERE action = 'release' AND decision = 'allow');
CREATE TABLE kms_grants (
  id          TEXT PRIMARY KEY,
  principal   TEXT NOT NULL REFERENCES principals (name),
  key_id      TEXT NOT NULL REFERENCES keys (id),
  operations  TEXT NOT NULL,  -- comma-separated KMS operation names
  status      TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  created_at  BIGINT  NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  BIGINT
);
CREATE INDEX kms_grants_by_principal ON kms_grants (principal, key_id);
CREATE TABLE key_attestation_changes (
  key_id                TEXT NOT NULL REFERENCES keys (id),
  version               INTEGER NOT NULL CHECK (version >= 1),
  attestation_required  INTEGER NOT NULL CHECK (attestation_required IN (0, 1)),
  created_at            BIGINT  NOT NULL,
  created_by            TEXT NOT NULL,
  applied               INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (key_id, version)
);
-- Re-enabling a disabled key widens what is released: it waits for approvals (kind key-enable).
ALTER TABLE keys ADD COLUMN enable_requested INTEGER NOT NULL DEFAULT 0
  CHECK (enable_requested IN (0, 1));
)sql";

// 10: the audit chain's format (storage/audit_log.h). Chains written before it are plain
// SHA-256; the first start with the KEK verifies and re-keys them (KeyLegacyChain).
constexpr const char kAuditChain[] = R"sql(
CREATE TABLE audit_chain (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  format  TEXT NOT NULL CHECK (format IN ('sha256', 'hmac-sha256'))
);
INSERT INTO audit_chain (id, format) VALUES (1, 'sha256');
)sql";

// 11: client certificates bound to their principal (issue 16). A certificate from the admin
// client CA authenticates only through an approved, unrevoked row here naming its principal and
// the SHA-256 of its SubjectPublicKeyInfo: whoever runs the CA can no longer become any principal
// by writing its name into a CN. The id is derived from the key, so one key is bound at most once,
// ever (a revoked key stays revoked, and a new binding never inherits old approvals). Certificates
// that authenticated before this migration need a binding from now on.
constexpr const char kClientCertificates[] = R"sql(
CREATE TABLE client_certificates (
  id           TEXT PRIMARY KEY,  -- "cert:" + hex SHA-256 of the SubjectPublicKeyInfo
  principal    TEXT NOT NULL REFERENCES principals (name),
  spki_sha256  BYTEA NOT NULL UNIQUE CHECK (octet_length(spki_sha256) = 32),
  created_at   BIGINT  NOT NULL,
  created_by   TEXT NOT NULL,
  revoked_at   BIGINT,
  approved     INTEGER NOT NULL CHECK (approved IN (0, 1))
);
)sql";

constexpr const char* const kMigrations[] = {kReferences,
                                             kPolicies,
                                             kKeys,
                                             kAudit,
                                             kNonces,
                                             kAdmin,
                                             kAccessKeys,
                                             kGovernance,
                                             kKmsGovernance,
                                             kAuditChain,
                                             kClientCertificates};

}  // namespace

std::span<const char* const> PgMigrations() { return kMigrations; }

}  // namespace kb::storage
