#pragma once

#include <boost/program_options/variables_map.hpp>

#include "common/clock.h"

namespace kb::cli {

// keybroker admin bootstrap --db FILE [--principal NAME] [--roles LIST] [--ttl D]: creates the
// first principal (roles default to admin) and its token directly in the database, offline:
// the one way in when no principal exists yet. Refused once any principal exists.
int RunAdminBootstrap(const boost::program_options::variables_map& vm, const Clock& clock,
                      bool as_json);

}  // namespace kb::cli
