#pragma once

#include <boost/program_options/variables_map.hpp>

#include "common/clock.h"

namespace kb::cli {

// keybroker admin bootstrap --db FILE [--kek FILE] [--principal NAME] [--roles LIST] [--ttl D]:
// creates the first principal (roles default to admin) and its token directly in the database,
// offline: the one way in when no principal exists yet. Refused once any principal exists. The
// KEK is needed once the audit chain is keyed (after the first `serve` or `keys create`).
int RunAdminBootstrap(const boost::program_options::variables_map& vm, const Clock& clock,
                      bool as_json);

}  // namespace kb::cli
