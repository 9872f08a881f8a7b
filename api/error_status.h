#pragma once

#include "common/result.h"

namespace kb::api {

// The one mapping from the error contract to HTTP statuses (ARCHITECTURE.md).
int HttpStatus(ErrorCode code);

}  // namespace kb::api
