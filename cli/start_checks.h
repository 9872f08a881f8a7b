#pragma once

// What `serve` checks before it writes anything. A start that fails must leave the database as
// it was (or not create it): so every check that can fail runs first, and only then are the
// data directory, the development TLS pair and the database made or changed (migrations, the
// audit chain's re-keying, the bootstrap directory). `serve --check` runs the same checks and
// stops there. What remains after the writes can fail only on I/O errors, on the audit sink
// showing a downgrade (which needs the database to tell), or when another process takes the
// port between the probe and the real bind.

#include <string>
#include <vector>

#include "cli/bootstrap.h"
#include "cli/config.h"
#include "common/result.h"

namespace kb::cli {

struct StartChecks {
  std::vector<std::string> warnings;     // state files others can read
  std::vector<BootstrapFile> bootstrap;  // bootstrap_dir, parsed (empty without one)
};

// Every check of a start that neither binds the port nor opens the database: the owners and
// modes of the state files and directories, the KEK (readable, 32 bytes, owner-only), the trust
// roots and TPM attestation keys (they parse), the TLS certificate and key (they load and
// match) and the admin client CA, the audit sink (a regular owner-only file, or its directory
// exists), and every file of bootstrap_dir (it parses as a policy or a reference). Errors name
// the setting and the file. Warnings (a database others can read) go to `log` as they are found,
// so that they are seen even when a later check fails.
Result<StartChecks> CheckBeforeStart(const Config& config, void (*log)(const std::string& line));

// Whether listen.address and listen.port can be bound now: a socket is bound and closed at
// once. Port 0 (any free port) always can. The error names the address and port and the
// setting that changes them.
Status ProbeListenAddress(const Config& config);

// A listen failure of the real server, with the address, port and the settings that change
// them.
std::string DescribeListenFailure(const Config& config, const std::string& message);

}  // namespace kb::cli
