#pragma once

// The `xks:` section of the configuration (config.h, docs/xks.md): read, then validated with
// the rest once the KMS region is known.

#include "cli/config.h"
#include "cli/config_fields.h"

namespace kb::cli {

Status ReadXks(const ConfigSection& xks, XksConfig& out);

// Fills the defaults that depend on `kms_region` (region, client_subject) and checks the values.
Status ValidateXks(XksConfig& xks, const std::string& kms_region);

}  // namespace kb::cli
