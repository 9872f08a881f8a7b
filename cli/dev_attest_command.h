#pragma once

#include <string>
#include <vector>

#include "broker/evidence/dev_attester.h"

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker dev-attest --platform nitro-enclave|nitro-tpm --ca-dir DIR --out FILE
//                      [--pcr N=HEX]... [--public-key PEM] [--nonce HEX] [--user-data HEX]
// Creates the development CA in DIR on first use (root.pem, root.key, intermediate.pem,
// intermediate.key; keys 0600) and writes a signed document (CBOR) to FILE. Unset PCRs are zero.
int RunDevAttest(int argc, const char* const* argv, const Clock& clock);

// Shared with `keybroker release --dev-attest`: the CA in `dir` (created on first use), and
// --pcr N=HEX values applied to `fields`.
Result<broker::DevAttester> LoadOrCreateCa(const std::string& dir, Time now);
Status ApplyPcrs(const std::vector<std::string>& specs, broker::NitroDocument& fields);

}  // namespace kb::cli
