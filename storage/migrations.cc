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

constexpr const char* const kMigrations[] = {kReferences, kPolicies};

}  // namespace

std::span<const char* const> Migrations() { return kMigrations; }

}  // namespace kb::storage
