#include "cli/options.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "cli/cli_io.h"
#include "cli/help.h"

namespace kb::cli {

namespace po = boost::program_options;

ParsedOptions ParsedOptions::Exit(int exit_code) {
  ParsedOptions exit;
  exit.exit_code_ = exit_code;
  return exit;
}

ParsedOptions ParseOptions(int argc, const char* const* argv,
                           const po::options_description& options, const std::string& synopsis,
                           const po::positional_options_description* positional) {
  std::string command = CommandOfSynopsis(synopsis);
  if (AsksForHelp(argc, argv) || (argc >= 2 && std::string_view(argv[1]) == "help")) {
    PrintHelp("usage: " + synopsis + "\n\noptions:\n" + FormatOptions(options, positional));
    return ParsedOptions::Exit(kExitOk);
  }
  po::variables_map vm;
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(options);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    UsageErrorFor(command, std::string(e.what()) + "\nusage: " + synopsis);
    return ParsedOptions::Exit(kExitUsage);
  }
  return ParsedOptions(std::move(vm));
}

std::optional<Time> ResolveAt(const po::variables_map& vm, Time now) {
  if (!vm.count("at")) return now;
  auto at = ParseRfc3339(vm["at"].as<std::string>());
  if (!at) std::cerr << "keybroker: --at is not an RFC 3339 time\n";
  return at;
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= list.size();) {
    size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> FlagOrEnvironment(const po::variables_map& vm, const char* option,
                                             const char* variable) {
  if (vm.count(option)) return vm[option].as<std::string>();
  const char* value = std::getenv(variable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace kb::cli
