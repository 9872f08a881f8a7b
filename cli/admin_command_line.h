#pragma once

// The words of a `keybroker admin` command line checked against the route table: which route
// they name, whether its ARG and required options are there, and the help they ask for. Each
// problem is one usage error that names it (exit 2), never the whole usage.

#include <boost/program_options/variables_map.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/routes.h"

namespace kb::cli {

// The route of `keybroker admin <resource> <verb>`, or of a one-word command (whoami, pending);
// nullptr when `args` (resource, verb, ARG...) name none.
const api::RouteEntry* FindAdminCommand(const std::vector<std::string>& args);

// "keybroker admin tokens create": the command `route` runs, for messages.
std::string AdminCommandName(const api::RouteEntry& route);

// A usage error naming what is missing or extra for `route`: its ARG, an argument too many, a
// required option (cli/admin_options.cc). kExitOk when nothing is.
int CheckAdminCommandLine(const api::RouteEntry& route, const std::vector<std::string>& args,
                          const boost::program_options::variables_map& vm);

// The usage error for `args` naming no route: the unknown resource or verb.
int UnknownAdminCommand(const std::vector<std::string>& args);

// The exit code after printing help when the command line asks for it: -h or --help anywhere,
// `help` first (admin help [resource [verb]]) or second (admin tokens help). nullopt otherwise.
std::optional<int> AnswerAdminHelp(int argc, const char* const* argv);

}  // namespace kb::cli
