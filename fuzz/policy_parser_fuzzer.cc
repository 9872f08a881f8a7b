// libFuzzer target: the policy parsers (release and XKS policies) and the reference parser (YAML
// and the AWS tools' JSON), seeded with the example policies and references.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/policy_parser.h"
#include "policy/reference_import.h"
#include "policy/xks_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)kb::policy::ParsePolicy(text);
  (void)kb::policy::IsXksPolicySource(text);
  (void)kb::policy::ParseXksPolicy(text);
  (void)kb::policy::ImportReference(text, "fuzz");
  return 0;
}
