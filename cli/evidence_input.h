#pragma once

// The evidence options shared by `verify` and `policy eval`: --evidence, --type, --trust-root,
// --at, --nonce. Reads, verifies and reports failures per the command-line contract.

#include <boost/program_options.hpp>
#include <optional>

#include "broker/evidence/verified_evidence.h"
#include "common/time.h"

namespace kb::cli {

// Adds the options above to `options`.
void AddEvidenceOptions(boost::program_options::options_description& options);

// Verifies the evidence the options name, as of `--at` or `now`. On success sets `*verified`
// and `*at` and returns kExitOk; otherwise prints the usage error (exit 2) or the JSON
// rejection (exit 1) and returns that exit code.
int VerifyEvidenceFromOptions(const boost::program_options::variables_map& vm, Time now,
                              std::optional<broker::VerifiedEvidence>* verified, Time* at);

}  // namespace kb::cli
