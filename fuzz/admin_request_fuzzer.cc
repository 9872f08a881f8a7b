// libFuzzer target: the admin API as an authenticated caller with every role sees it: routing,
// path and query decoding, and every handler's body parsing (JSON, YAML, AWS tool JSON), over a
// real broker on a real SQLite file in a temporary directory.
//
// Input: byte 0 picks the method, byte 1 the Content-Type; then "<path after /v1/admin/>\n<body>".

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "api/router.h"
#include "cli/broker_assembly.h"

namespace {

struct Harness {
  Harness() {
    char pattern[] = "/tmp/kb-admin-fuzz.XXXXXX";
    dir = mkdtemp(pattern);
    std::ofstream(dir + "/kek.bin") << std::string(32, 'k');
    ::chmod((dir + "/kek.bin").c_str(), 0600);
    config.data_dir = dir;
    config.database = dir + "/kb.db";
    config.kek_file = dir + "/kek.bin";
    config.approvals_required = 2;
    if (!kb::cli::AssembleBroker(config, broker)) std::abort();
    if (!broker.authenticator->CreatePrincipal("fuzz", kb::broker::kAllRoles, "fuzz", now)) {
      std::abort();
    }
    auto issued = broker.authenticator->IssueToken("fuzz", std::nullopt, "fuzz", now);
    if (!issued) std::abort();
    token = "Bearer " + issued->token;
  }
  ~Harness() { std::filesystem::remove_all(dir); }

  std::string dir, token;
  kb::Time now = kb::Time(std::chrono::milliseconds(1780000000000));
  kb::cli::Config config;
  kb::cli::Broker broker;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness harness;
  if (size < 2) return 0;
  static constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  static constexpr const char* kTypes[] = {"application/json", "text/yaml", "text/plain"};
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t newline = input.find('\n');
  std::string_view target = input.substr(0, newline);
  kb::api::HttpRequest request;
  request.method = kMethods[data[0] % 4];
  request.content_type = kTypes[data[1] % 3];
  size_t question = target.find('?');
  request.target = "/v1/admin/" + std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  if (newline != std::string_view::npos) request.body = std::string(input.substr(newline + 1));
  request.authorization = harness.token;
  kb::api::Services services{*harness.broker.release, false, nullptr, nullptr,
                             harness.broker.admin_api.get()};
  kb::api::HttpResponse response = kb::api::Route(request, services, harness.now);
  if (response.status < 200 || response.status > 599 || response.body.empty()) std::abort();
  return 0;
}
