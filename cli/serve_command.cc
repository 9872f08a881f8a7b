#include "cli/serve_command.h"

#include <boost/json/array.hpp>
#include <iostream>

#include "cli/cli_io.h"
#include "cli/config.h"
#include "cli/options.h"
#include "cli/version.h"
#include "common/clock.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

boost::json::object ConfigToJson(const Config& config) {
  boost::json::array roots;
  for (const auto& root : config.trust_roots) roots.emplace_back(root);
  return boost::json::object{{"listen", boost::json::object{{"address", config.listen_address},
                                                            {"port", config.listen_port}}},
                             {"workers", config.workers},
                             {"data_dir", config.data_dir},
                             {"database", config.database},
                             {"kek_file", config.kek_file},
                             {"tls", boost::json::object{{"certificate", config.tls_certificate},
                                                         {"private_key", config.tls_private_key}}},
                             {"trust_roots", std::move(roots)},
                             {"nonce_ttl_seconds", config.nonce_ttl.count()},
                             {"log_level", config.log_level}};
}

}  // namespace

int RunServe(int argc, const char* const* argv, const Clock&) {
  po::options_description options("serve options");
  options.add_options()("config", po::value<std::string>()->required(), "configuration file");
  auto vm = ParseOptions(argc, argv, options, "keybroker serve --config FILE");
  if (!vm) return kExitUsage;
  auto config = LoadConfig((*vm)["config"].as<std::string>());
  if (!config) return UsageError(config.error().message);
  PrintJson(
      boost::json::object{{"version", kVersion},
                          {"status", "configuration valid; the HTTPS server is not built yet"},
                          {"config", ConfigToJson(*config)}});
  return kExitOk;
}

}  // namespace kb::cli
