#pragma once

#include <boost/json/object.hpp>

#include "policy/evaluation.h"

namespace kb::policy {

// {"decision": "allow"|"deny", "policy", "matched_rule", "reason", "explanation": [{"rule",
//  "matched", "note"?, "checks": [{"what", "expected", "actual", "matched"}]}]}
boost::json::object EvaluationToJson(const Evaluation& decision);

}  // namespace kb::policy
