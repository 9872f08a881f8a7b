#include "cli/options.h"

#include <algorithm>
#include <iostream>

namespace kb::cli {

namespace po = boost::program_options;

std::optional<po::variables_map> ParseOptions(
    int argc, const char* const* argv, const po::options_description& options,
    const std::string& synopsis, const po::positional_options_description* positional) {
  po::variables_map vm;
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(options);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "keybroker: " << e.what() << "\nusage: " << synopsis << '\n' << options;
    return std::nullopt;
  }
  return vm;
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

}  // namespace kb::cli
