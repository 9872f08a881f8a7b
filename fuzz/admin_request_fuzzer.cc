// libFuzzer target: the admin API as an authenticated caller with every role sees it: routing,
// path and query decoding, and every handler's body parsing (JSON, YAML, AWS tool JSON), over a
// real broker on a real SQLite file in a temporary directory.
//
// Input: byte 0 picks the method, byte 1 the Content-Type; then "<path after /v1/admin/>\n<body>".

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/router.h"
#include "fuzz/broker_harness.h"

namespace {

struct Harness : kb::fuzzing::BrokerHarness {
  Harness() : BrokerHarness(/*approvals_required=*/2) {
    if (!broker.authenticator->CreatePrincipal("fuzz", kb::broker::kAllRoles, "fuzz", now, true)) {
      std::abort();
    }
    auto issued = broker.authenticator->IssueToken("fuzz", std::nullopt, "fuzz", now, true);
    if (!issued) std::abort();
    token = "Bearer " + issued->token;
  }
  std::string token;
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
