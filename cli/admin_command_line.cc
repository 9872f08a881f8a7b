#include "cli/admin_command_line.h"

#include "cli/admin_help.h"
#include "cli/admin_options.h"
#include "cli/cli_io.h"
#include "cli/help.h"

namespace kb::cli {
namespace {

size_t WordCount(const api::RouteEntry& route) {
  return route.cli_words.find(' ') == std::string_view::npos ? 1 : 2;
}

bool IsResource(const std::string& word) {
  for (const api::RouteEntry& route : api::RouteTable()) {
    if (route.surface == api::Surface::kAdmin &&
        route.cli_words.substr(0, route.cli_words.find(' ')) == word) {
      return true;
    }
  }
  return false;
}

// The words before the first option: `admin tokens create bob --ttl 8h` → tokens create bob.
std::vector<std::string> LeadingWords(int argc, const char* const* argv) {
  std::vector<std::string> words;
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) words.emplace_back(argv[i]);
  return words;
}

}  // namespace

const api::RouteEntry* FindAdminCommand(const std::vector<std::string>& args) {
  if (args.empty()) return nullptr;
  if (const api::RouteEntry* one_word = api::FindCliCommand(args[0])) return one_word;
  if (args.size() < 2) return nullptr;
  return api::FindCliCommand(args[0] + " " + args[1]);
}

std::string AdminCommandName(const api::RouteEntry& route) {
  return "keybroker admin " + std::string(route.cli_words);
}

int CheckAdminCommandLine(const api::RouteEntry& route, const std::vector<std::string>& args,
                          const boost::program_options::variables_map& vm) {
  std::string command = AdminCommandName(route);
  size_t expected = WordCount(route) + (route.cli_arg.empty() ? 0 : 1);
  if (args.size() < expected) {
    return UsageErrorFor(command,
                         "missing " + std::string(route.cli_arg) + ": " + AdminSynopsis(route));
  }
  if (args.size() > expected) {
    return UsageErrorFor(command,
                         "unexpected argument '" + args[expected] + "': " + AdminSynopsis(route));
  }
  for (const auto& name : OptionNameList(FindAdminCommandOptions(route.cli_words).required)) {
    if (!vm.count(name)) return UsageErrorFor(command, "missing " + DescribeAdminOption(name));
  }
  return kExitOk;
}

int UnknownAdminCommand(const std::vector<std::string>& args) {
  if (!IsResource(args[0])) {
    return UsageErrorFor("keybroker admin", "unknown resource '" + args[0] + "'");
  }
  if (args.size() < 2) return UsageErrorFor("keybroker admin " + args[0], "which command?");
  return UsageErrorFor("keybroker admin " + args[0], "unknown command '" + args[1] + "'");
}

std::optional<int> AnswerAdminHelp(int argc, const char* const* argv) {
  std::vector<std::string> words = LeadingWords(argc, argv);
  if (AsksForHelp(argc, argv)) return PrintAdminHelp(words);
  if (!words.empty() && words[0] == "help") {
    return PrintAdminHelp(std::vector<std::string>(words.begin() + 1, words.end()));
  }
  if (words.size() >= 2 && words[1] == "help") return PrintAdminHelp({words[0]});
  return std::nullopt;
}

}  // namespace kb::cli
