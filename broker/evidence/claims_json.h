#pragma once

// The JSON shape of verified claims (the `keybroker verify` contract of ARCHITECTURE.md):
// {"platform", "module_id", "timestamp", "digest", "pcrs": {"0": hex, ...}, "public_key",
//  "user_data", "nonce", "chain": [{"subject", "not_before", "not_after", "sha256"}]}
// Binary values are lowercase hex; absent optional values are null.

#include <boost/json/object.hpp>

#include "broker/evidence/evidence_claims.h"
#include "common/result.h"

namespace kb::broker {

boost::json::object ClaimsToJson(const EvidenceClaims& claims);

// {"error": "<code>", "message": "..."}
boost::json::object ErrorToJson(const Error& error);

}  // namespace kb::broker
