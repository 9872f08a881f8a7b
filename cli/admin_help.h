#pragma once

// `keybroker admin ... --help`, built from the route table (api/routes.h) like the commands
// themselves: the resources, a resource's commands, one command with its route, the roles that
// may call it and its options.

#include <string>
#include <string_view>
#include <vector>

#include "api/routes.h"

namespace kb::cli {

// The help of `keybroker admin <words> --help` on stdout (kExitOk): no words, the resources; a
// resource, its commands; a command (or bootstrap), the command. Words that name nothing are a
// usage error (kExitUsage).
int PrintAdminHelp(const std::vector<std::string>& words);

// "keybroker admin principals create NAME --roles LIST": the command line of a route.
std::string AdminSynopsis(const api::RouteEntry& route);

// "--roles LIST (comma-separated roles: ...)": what to add for a missing option.
std::string DescribeAdminOption(std::string_view name);

// "admin, auditor": the roles that may call `route`.
std::string RolesOfRoute(const api::RouteEntry& route);

}  // namespace kb::cli
