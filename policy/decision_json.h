#pragma once

#include <boost/json/object.hpp>

#include "policy/decision.h"

namespace kb::policy {

// {"decision": "allow"|"deny", "policy", "matched_rule", "reason", "explanation": [{"rule",
//  "matched", "note"?, "checks": [{"what", "expected", "actual", "matched"}]}]}
boost::json::object DecisionToJson(const Decision& decision);

}  // namespace kb::policy
