#pragma once

// The declarative path, for single-approver setups only (the configuration refuses a
// bootstrap_dir when approvals_required is 2 or more): a directory of YAML policies and
// references (our YAML, or the AWS tools' JSON) loaded at start-up.
//
// A reference is registered if its name is new. A policy is loaded as a new, active version
// when the name is new, or when every version of it came from this directory and the file's
// text differs from the active one. Once anyone changed the policy through the admin API (a
// version of their own, or a deactivation), the directory never overrides that again: the file
// is skipped with a warning. Every change commits with its audit row, principal "bootstrap".

#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "policy/policy.h"
#include "policy/reference.h"
#include "storage/audit_log.h"
#include "storage/policy_store.h"
#include "storage/reference_store.h"
#include "storage/unit_of_work.h"

namespace kb::cli {

struct BootstrapStores {
  storage::PolicyStore& policies;
  storage::ReferenceStore& references;
  storage::AuditLog& audit;
  storage::UnitOfWork& unit_of_work;
};

struct BootstrapReport {
  int policies_activated = 0;
  int references_added = 0;
  std::vector<std::string> warnings;  // files skipped, and why
};

// The principal that bootstrap changes are recorded under.
inline constexpr char kBootstrapPrincipal[] = "bootstrap";

// One file of the directory, parsed: a policy (with its text, which is what is stored) or a
// reference.
struct BootstrapFile {
  std::string path;
  std::string text;
  std::variant<policy::Policy, policy::Reference> content;
};

// Reads and parses every .yaml, .yml and .json file of `dir`, in name order, without touching
// the database: `serve` does this before it opens the database, so that a bad file stops the
// start before anything is written, and `serve --check` does it alone. Errors name the file.
Result<std::vector<BootstrapFile>> ReadBootstrapDir(const std::string& dir);

// Stores what ReadBootstrapDir read, as described above.
Result<BootstrapReport> ApplyBootstrapFiles(const std::vector<BootstrapFile>& files,
                                            BootstrapStores stores, Time now);

// ReadBootstrapDir, then ApplyBootstrapFiles.
Result<BootstrapReport> LoadBootstrapDir(const std::string& dir, BootstrapStores stores, Time now);

}  // namespace kb::cli
