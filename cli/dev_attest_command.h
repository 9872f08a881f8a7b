#pragma once

#include <string>
#include <vector>

#include "dev/dev_attester.h"

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker dev-attest --platform nitro-enclave|nitro-tpm --ca-dir DIR --out FILE
//                      [--pcr N=HEX]... [--public-key PEM] [--nonce HEX] [--user-data HEX]
// Creates the development CA in DIR on first use (root.pem, root.key, intermediate.pem,
// intermediate.key; keys 0600) and writes a signed document (CBOR) to FILE. Unset PCRs are zero.
int RunDevAttest(int argc, const char* const* argv, const Clock& clock);

// Shared with `keybroker release --dev-attest`: the CA in `dir` (created on first use), the
// fields of a development document (zero PCRs, a fixed module_id) with --pcr N=HEX values
// applied, and applying such values to `fields`.
Result<broker::DevAttester> LoadOrCreateCa(const std::string& dir, Time now);
Result<broker::NitroDocument> DevDocumentFields(const std::string& platform,
                                                const std::vector<std::string>& pcr_specs);
Status ApplyPcrs(const std::vector<std::string>& specs, broker::NitroDocument& fields);

}  // namespace kb::cli
