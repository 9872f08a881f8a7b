#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker serve --config FILE [--check]
// Checks everything the configuration names (start_checks.h), then opens the database
// (migrating it), binds, loads the bootstrap directory, and serves HTTPS until SIGINT/SIGTERM.
// With --check: the checks only, then the effective configuration on stdout; nothing is bound
// or written.
int RunServe(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
