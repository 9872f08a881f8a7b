#pragma once

// The declarative path: a directory of YAML policies and references (our YAML, or the AWS
// tools' JSON) loaded at start-up. A policy whose text differs from its active version becomes a
// new, active version; a reference is registered if its name is new.

#include <string>

#include "common/result.h"
#include "common/time.h"
#include "storage/policy_store.h"
#include "storage/reference_store.h"

namespace kb::cli {

struct BootstrapReport {
  int policies_activated = 0;
  int references_added = 0;
};

Result<BootstrapReport> LoadBootstrapDir(const std::string& dir, storage::PolicyStore& policies,
                                         storage::ReferenceStore& references, Time now);

}  // namespace kb::cli
