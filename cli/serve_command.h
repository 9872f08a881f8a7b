#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker serve --config FILE
// Until the HTTPS server lands (the release issue), this loads and validates the configuration,
// prints the version and the effective configuration as JSON, and exits 0.
int RunServe(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
