#include "cli/admin_help.h"

#include <algorithm>
#include <boost/program_options.hpp>

#include "cli/admin_options.h"
#include "cli/cli_io.h"
#include "cli/help.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

using Rows = std::vector<std::pair<std::string, std::string>>;

constexpr char kBootstrapSummary[] =
    "create the first admins offline, with a token each (the broker need not run)";

std::string_view ResourceOf(std::string_view words) { return words.substr(0, words.find(' ')); }
std::string_view VerbOf(std::string_view words) {
  size_t space = words.find(' ');
  return space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
}

std::vector<const api::RouteEntry*> AdminRoutes(std::string_view resource) {
  std::vector<const api::RouteEntry*> routes;
  for (const api::RouteEntry& route : api::RouteTable()) {
    if (route.surface != api::Surface::kAdmin) continue;
    if (resource.empty() || ResourceOf(route.cli_words) == resource) routes.push_back(&route);
  }
  return routes;
}

// " --roles LIST [--ttl DURATION]": a command's options as its synopsis shows them.
std::string OptionSynopsis(std::string_view words) {
  po::options_description all = AdminCommandOptions();
  AdminCommandOptionNames names = FindAdminCommandOptions(words);
  std::string out;
  for (const auto& name : OptionNameList(names.required)) {
    out += ' ';  // appended, not " " + ...: GCC 12 -O2 false -Wrestrict (PR105329)
    out += OptionRow(all.find(name, false)).first;
  }
  for (const auto& name : OptionNameList(names.optional)) {
    out += " [";
    out += OptionRow(all.find(name, false)).first;
    out += ']';
  }
  return out;
}

// The options a command reads, then (online commands) the connection's, one line each.
std::string CommandOptions(std::string_view words, bool online) {
  po::options_description all = AdminCommandOptions();
  po::options_description connection = AdminConnectionOptions();
  po::options_description chosen;
  AdminCommandOptionNames names = FindAdminCommandOptions(words);
  for (std::string_view list : {names.required, names.optional}) {
    for (const auto& name : OptionNameList(list)) {
      for (const auto& option : all.options()) {
        if (option->long_name() == name) chosen.add(option);
      }
    }
  }
  for (const auto& option : connection.options()) {
    if (online || option->long_name() == "json") chosen.add(option);
  }
  return "\noptions:\n" + FormatOptions(chosen);
}

std::string Overview() {
  // One row per resource, in the order of its first route; one-word commands show their summary.
  Rows rows{{"bootstrap", kBootstrapSummary}};
  for (const api::RouteEntry* route : AdminRoutes("")) {
    std::string resource(ResourceOf(route->cli_words));
    std::string verb(VerbOf(route->cli_words));
    auto row =
        std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == resource; });
    if (verb.empty()) {
      rows.emplace_back(resource, route->summary);
    } else if (row == rows.end()) {
      rows.emplace_back(resource, verb);
    } else {
      row->second += ", " + verb;
    }
  }
  return "usage: keybroker admin <resource> <verb> [ARG] [options]\n\nresources and their "
         "verbs:\n" +
         FormatColumns(rows) + "\nconnection options (every command but bootstrap):\n" +
         FormatOptions(AdminConnectionOptions()) +
         "\nRun 'keybroker admin <resource> --help' for a resource's commands.\n"
         "Run 'keybroker admin <resource> <verb> --help' for one command's options and roles.\n";
}

std::string ResourceHelp(std::string_view resource) {
  Rows rows;
  for (const api::RouteEntry* route : AdminRoutes(resource)) {
    std::string verb(VerbOf(route->cli_words));
    if (!route->cli_arg.empty()) (verb += ' ') += route->cli_arg;
    rows.emplace_back(verb + OptionSynopsis(route->cli_words),
                      std::string(route->summary) + " [" + RolesOfRoute(*route) + "]");
  }
  std::string r(resource);
  return "usage: keybroker admin " + r + " <verb> [ARG] [options]\n\ncommands [roles]:\n" +
         FormatColumns(rows) + "\nRun 'keybroker admin " + r +
         " <verb> --help' for a command's options.\n";
}

std::string CommandHelp(const api::RouteEntry& route) {
  return "usage: " + AdminSynopsis(route) + " [options]\n\n" + std::string(route.summary) +
         "\nroute: " + std::string(route.method) + " " + std::string(route.pattern) +
         "\nroles: " + RolesOfRoute(route) + " (the caller needs one of them)\n" +
         CommandOptions(route.cli_words, /*online=*/true);
}

std::string BootstrapHelp() {
  return "usage: keybroker admin bootstrap" + OptionSynopsis("bootstrap") + "\n\n" +
         kBootstrapSummary +
         ".\nRefused once any principal exists.\n"
         "Each admin then replaces its token with its own: keybroker admin tokens create NAME "
         "--ttl 8h\n" +
         CommandOptions("bootstrap", /*online=*/false);
}

}  // namespace

std::string AdminSynopsis(const api::RouteEntry& route) {
  std::string synopsis = "keybroker admin " + std::string(route.cli_words);
  if (!route.cli_arg.empty()) (synopsis += ' ') += route.cli_arg;
  return synopsis + OptionSynopsis(route.cli_words);
}

std::string DescribeAdminOption(std::string_view name) {
  po::options_description all = AdminCommandOptions();
  const po::option_description* option = all.find_nothrow(std::string(name), false);
  if (option == nullptr) return "--" + std::string(name);
  auto [flag, description] = OptionRow(*option);
  return flag + " (" + description + ")";
}

std::string RolesOfRoute(const api::RouteEntry& route) {
  return broker::JoinRoleNames(route.allowed);
}

int PrintAdminHelp(const std::vector<std::string>& words) {
  if (words.empty()) return PrintHelp(Overview());
  if (words[0] == "bootstrap") return PrintHelp(BootstrapHelp());
  if (const api::RouteEntry* one_word = api::FindCliCommand(words[0])) {
    return PrintHelp(CommandHelp(*one_word));
  }
  if (AdminRoutes(words[0]).empty()) {
    return UsageErrorFor("keybroker admin", "unknown resource '" + words[0] + "'");
  }
  if (words.size() == 1) return PrintHelp(ResourceHelp(words[0]));
  const api::RouteEntry* route = api::FindCliCommand(words[0] + " " + words[1]);
  if (route == nullptr) {
    return UsageErrorFor("keybroker admin " + words[0], "unknown command '" + words[1] + "'");
  }
  return PrintHelp(CommandHelp(*route));
}

}  // namespace kb::cli
