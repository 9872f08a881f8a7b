#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker keys create --db FILE --kek FILE --id NAME [--import FILE] [--actor NAME]
//   Creates a key (256 random bits, or the bytes of --import), sealed under the KEK.
//   Prints {"key_id", "version", "origin"}; never the material.
// keybroker keys list --db FILE
int RunKeys(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
