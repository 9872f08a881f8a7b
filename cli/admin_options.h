#pragma once

// The options of `keybroker admin`: where the broker is and who calls (every online command),
// and which options each command reads. cli/admin_command.cc parses and checks them,
// cli/admin_help.cc prints them.

#include <boost/program_options/options_description.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kb::cli {

// --url, --token, --ca, --cert, --key, --json: every command but bootstrap.
boost::program_options::options_description AdminConnectionOptions();

// The options commands read (--file, --roles, --ttl, ...); each command reads the few its
// AdminCommandOptions names.
boost::program_options::options_description AdminCommandOptions();

// Which options a command reads, by name, space-separated.
struct AdminCommandOptionNames {
  std::string_view words;     // "principals create"; "bootstrap" for the offline ceremony
  std::string_view required;  // e.g. "roles"
  std::string_view optional;  // e.g. "ttl"
};

// The options of the command `words` (route cli_words, or "bootstrap"); none when not listed.
AdminCommandOptionNames FindAdminCommandOptions(std::string_view words);

// "a b c" → {"a", "b", "c"}.
std::vector<std::string> OptionNameList(std::string_view names);

}  // namespace kb::cli
