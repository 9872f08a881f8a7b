#include "storage/migrations.h"

namespace kb::storage {

namespace {

// 1: reference measurements and their PCR values.
constexpr const char kReferences[] = R"sql(
CREATE TABLE reference_measurements (
  name        TEXT PRIMARY KEY,
  platform    TEXT NOT NULL CHECK (platform IN ('nitro-enclave', 'nitro-tpm', 'tpm2-quote')),
  source      TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at  INTEGER NOT NULL,  -- ms since the epoch
  created_by  TEXT NOT NULL
) STRICT;
CREATE TABLE reference_pcrs (
  reference   TEXT NOT NULL REFERENCES reference_measurements (name) ON DELETE CASCADE,
  pcr         INTEGER NOT NULL CHECK (pcr BETWEEN 0 AND 31),
  value       BLOB NOT NULL CHECK (length(value) IN (32, 48)),
  PRIMARY KEY (reference, pcr)
) STRICT;
)sql";

// 2: policies, every version kept, at most one active per name.
constexpr const char kPolicies[] = R"sql(
CREATE TABLE policy_versions (
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  source      TEXT NOT NULL,   -- the YAML as submitted
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  PRIMARY KEY (name, version)
) STRICT;
CREATE TABLE active_policies (
  name        TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  FOREIGN KEY (name, version) REFERENCES policy_versions (name, version)
) STRICT;
)sql";

// 3: keys and their versions, sealed under the KEK (never plaintext).
constexpr const char kKeys[] = R"sql(
CREATE TABLE keys (
  id               TEXT PRIMARY KEY,
  origin           TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
  enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  current_version  INTEGER NOT NULL CHECK (current_version >= 1),
  created_at       INTEGER NOT NULL,
  created_by       TEXT NOT NULL
) STRICT;
CREATE TABLE key_versions (
  key_id      TEXT NOT NULL REFERENCES keys (id),
  version     INTEGER NOT NULL CHECK (version >= 1),
  sealed      BLOB NOT NULL,   -- AES-256-GCM under the KEK, AAD = key id and version
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (key_id, version)
) STRICT;
)sql";

// 4: the audit log, hash-chained: each row carries the SHA-256 of its predecessor's hash and
// its own fields, so a removed, reordered or edited row breaks the chain.
constexpr const char kAudit[] = R"sql(
CREATE TABLE audit_log (
  seq              INTEGER PRIMARY KEY,  -- 1, 2, 3, ... without gaps
  time             INTEGER NOT NULL,
  actor            TEXT NOT NULL,
  action           TEXT NOT NULL,
  key_id           TEXT NOT NULL,
  key_version      INTEGER NOT NULL,
  policy           TEXT NOT NULL,
  policy_version   INTEGER NOT NULL,
  evidence_type    TEXT NOT NULL,
  evidence_sha256  BLOB NOT NULL,
  claims_sha256    BLOB NOT NULL,
  decision         TEXT NOT NULL,
  reasons          TEXT NOT NULL,
  request_id       TEXT NOT NULL,
  prev_hash        BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash             BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
)sql";

// 5: challenge nonces. A used nonce stays (used_at set) until it expires, so that a replay is
// told apart from a nonce never issued.
constexpr const char kNonces[] = R"sql(
CREATE TABLE nonces (
  nonce       BLOB PRIMARY KEY CHECK (length(nonce) = 32),
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) STRICT, WITHOUT ROWID;
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
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  disabled_at INTEGER          -- NULL: enabled; a disabled principal never authenticates again
) STRICT;
CREATE TABLE tokens (
  id            TEXT PRIMARY KEY,
  principal     TEXT NOT NULL REFERENCES principals (name),
  token_sha256  BLOB NOT NULL CHECK (length(token_sha256) = 32),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,  -- NULL: never
  revoked_at    INTEGER
) STRICT;
CREATE TABLE approvals (
  kind        TEXT NOT NULL CHECK (kind IN ('reference', 'policy', 'ak')),
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,  -- policy version; 0 for references and AKs
  principal   TEXT NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (kind, name, version, principal)
) STRICT;
ALTER TABLE reference_measurements
  ADD COLUMN approved INTEGER NOT NULL DEFAULT 1 CHECK (approved IN (0, 1));
CREATE TABLE attestation_keys (
  id          TEXT PRIMARY KEY,  -- "ak:" + hex SHA-256 of the SubjectPublicKeyInfo
  public_key  BLOB NOT NULL,     -- as registered: PEM text or TPM2B_PUBLIC
  status      TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL
) STRICT;
CREATE TABLE import_tokens (
  token_sha256  BLOB PRIMARY KEY CHECK (length(token_sha256) = 32),
  key_id        TEXT NOT NULL,
  wrapping_key  BLOB NOT NULL,  -- PKCS#8 private key sealed under the KEK
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER
) STRICT, WITHOUT ROWID;
)sql";

// 7: KMS access keys (SigV4). The secret is sealed under the KEK: SigV4 verification needs it.
constexpr const char kAccessKeys[] = R"sql(
CREATE TABLE access_keys (
  id          TEXT PRIMARY KEY,
  principal   TEXT NOT NULL REFERENCES principals (name),
  secret      BLOB NOT NULL,  -- sealed under the KEK, bound to the id
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
) STRICT;
)sql";

// 8: the audit chain's format (storage/audit_log.h). Chains written before it are plain
// SHA-256; the first start with the KEK verifies and re-keys them (KeyLegacyChain).
constexpr const char kAuditChain[] = R"sql(
CREATE TABLE audit_chain (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  format  TEXT NOT NULL CHECK (format IN ('sha256', 'hmac-sha256'))
) STRICT;
INSERT INTO audit_chain (id, format) VALUES (1, 'sha256');
)sql";

constexpr const char* const kMigrations[] = {kReferences, kPolicies, kKeys,       kAudit,
                                             kNonces,     kAdmin,    kAccessKeys, kAuditChain};

}  // namespace

std::span<const char* const> Migrations() { return kMigrations; }

}  // namespace kb::storage
