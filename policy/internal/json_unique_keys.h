#pragma once

// Duplicate member names in JSON text. boost::json::parse keeps the last of two members with the
// same name (Boost 1.81 has no option to refuse them), so a reviewer reading the first would be
// shown a value other than the one that applies.

#include <string_view>

#include "common/result.h"

namespace kb::policy::internal {

// Ok when `json` is one well-formed JSON value in which no object names a member twice;
// otherwise kMalformedRequest naming the repeated member. Nesting deeper than 32 is an error.
Status CheckUniqueJsonKeys(std::string_view json);

}  // namespace kb::policy::internal
