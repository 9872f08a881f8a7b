#pragma once

// The effective configuration as YAML: every key, with the defaults filled in (database and
// kek_file derived from data_dir), in the order of config.example.yaml. `serve --check` prints
// it. Secrets appear as the paths that hold them (kek_file, tls.private_key): the configuration
// never holds a secret itself, and this never opens a file.

#include <string>

#include "cli/config.h"

namespace kb::cli {

// A YAML document that ParseConfig reads back to the same Config.
std::string EffectiveConfigYaml(const Config& config);

}  // namespace kb::cli
