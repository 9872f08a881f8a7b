#include "cli/options.h"

#include <iostream>

namespace kb::cli {

namespace po = boost::program_options;

std::optional<po::variables_map> ParseOptions(int argc, const char* const* argv,
                                              const po::options_description& options,
                                              const std::string& synopsis) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
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

}  // namespace kb::cli
