#pragma once

#include "common/clock.h"

namespace kb::cli {

// keybroker admin <resource> <verb> [ARG] [options]: drives the admin REST API (and creates the
// first admin token offline with `admin bootstrap --db FILE`). See `keybroker admin help`.
int RunAdmin(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
