#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker serve --config FILE
// Opens the database (migrating it), loads the KEK, trust roots, attestation keys and the
// bootstrap directory, and serves HTTPS until SIGINT/SIGTERM.
int RunServe(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
