#include "policy/policy_warnings.h"

#include <gtest/gtest.h>

#include "policy/policy_parser.h"

namespace kb::policy {
namespace {

const std::string kHead = "name: p\nkeys: [k]\nplatform: nitro-enclave\n";

Policy Parse(const std::string& yaml) {
  auto p = ParsePolicy(yaml);
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : Policy{};
}

ReferenceMap References() {
  ReferenceMap refs;
  refs["good@1"] = Reference{"good@1", Platform::kNitroEnclave, {{0, Bytes(48, 0xaa)}}};
  Reference revoked{"revoked@1", Platform::kNitroEnclave, {{0, Bytes(48, 0xbb)}}};
  revoked.status = ReferenceStatus::kRevoked;
  refs["revoked@1"] = revoked;
  return refs;
}

TEST(PolicyWarnings, NoneForAnOrdinaryPolicy) {
  Policy p = Parse(kHead + "allow:\n  - reference: good@1\ndeny:\n  - reference: good@1\n");
  ReferenceMap refs = References();
  EXPECT_TRUE(PolicyWarnings(p, &refs).empty());
  EXPECT_TRUE(PolicyWarnings(p, nullptr).empty());
}

TEST(PolicyWarnings, DenyRulesNamingReferencesThatAreNotActive) {
  Policy p = Parse(kHead +
                   "allow:\n  - reference: good@1\ndeny:\n  - reference: revoked@1\n"
                   "  - reference: nobody@1\n  - reference: revoked@1\n    module_id: m\n");
  ReferenceMap refs = References();
  auto warnings = PolicyWarnings(p, &refs);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0],
            "line 7: deny[0]: reference revoked@1 is revoked: the rule fails closed and denies "
            "every document its other conditions match");
  EXPECT_EQ(warnings[1].substr(0, 48), "line 8: deny[1]: reference nobody@1 is not regis");
  EXPECT_EQ(warnings[2].substr(0, 17), "line 9: deny[2]: ");
  // Without the registered references, nothing can be said about them.
  EXPECT_TRUE(PolicyWarnings(p, nullptr).empty());
}

TEST(PolicyWarnings, AllowDebugIsForDevelopmentOnly) {
  Policy p = Parse(kHead + "allow_debug: true\nallow:\n  - reference: good@1\n");
  auto warnings = PolicyWarnings(p, nullptr);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "line 4: allow_debug: true admits debug-mode enclaves, which the parent instance can "
            "inspect and which measure zeros, so no rule binds their image: for development only");
}

}  // namespace
}  // namespace kb::policy
