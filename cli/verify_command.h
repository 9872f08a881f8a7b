#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker verify --evidence FILE [--type auto|nitro-enclave|nitro-tpm|tpm2-quote]
//                  [--trust-root PEM]... [--at RFC3339] [--nonce HEX] [--ak PEM]
// `args` excludes "keybroker verify". Returns the process exit code.
int RunVerify(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
