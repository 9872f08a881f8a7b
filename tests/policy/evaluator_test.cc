#include "policy/evaluator.h"

#include <gtest/gtest.h>

#include "policy/policy_parser.h"

namespace kb::policy {
namespace {

using std::chrono::seconds;

const Time kNow = *ParseRfc3339("2026-06-01T12:00:00Z");
const std::string kA(96, 'a'), kB(96, 'b'), kZ(96, '0');

Claims EnclaveClaims() {
  Claims c;
  c.platform = Platform::kNitroEnclave;
  c.module_id = "i-0123456789abcdef0-enc0123456789abcdef";
  c.timestamp = kNow - seconds(10);
  c.pcrs = {{0, Bytes(48, 0xaa)}, {1, Bytes(48, 0xaa)}, {2, Bytes(48, 0xbb)}};
  c.nonce = Bytes{1, 2, 3};
  return c;
}

ReferenceMap References() {
  ReferenceMap refs;
  refs["good@1"] =
      Reference{"good@1", Platform::kNitroEnclave, {{0, Bytes(48, 0xaa)}, {1, Bytes(48, 0xaa)}}};
  refs["other@1"] = Reference{"other@1", Platform::kNitroEnclave, {{0, Bytes(48, 0xcc)}}};
  Reference revoked{"revoked@1", Platform::kNitroEnclave, {{0, Bytes(48, 0xaa)}}};
  revoked.status = ReferenceStatus::kRevoked;
  refs["revoked@1"] = revoked;
  Reference pending{"pending@1", Platform::kNitroEnclave, {{0, Bytes(48, 0xaa)}}};
  pending.status = ReferenceStatus::kPending;
  refs["pending@1"] = pending;
  // Stored before references had to bind the image: PCR3 (IAM role) only.
  refs["role-only@1"] = Reference{"role-only@1", Platform::kNitroEnclave, {{3, Bytes(48, 0xaa)}}};
  // Stored before zero values stopped counting: an unsigned image's PCR8, and PCR4.
  refs["unsigned@1"] =
      Reference{"unsigned@1", Platform::kNitroEnclave, {{8, Bytes(48, 0)}, {4, Bytes(48, 0xaa)}}};
  refs["tpm@1"] =
      Reference{"tpm@1", Platform::kNitroTpm, {{0, Bytes(48, 0xaa)}, {7, Bytes(48, 1)}}};
  return refs;
}

struct Case {
  const char* name;
  std::string rules;  // YAML after the header
  std::function<void(Claims&)> tweak;
  bool allow;
  std::string matched_rule;
  std::string reason;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class EvaluateTable : public ::testing::TestWithParam<Case> {};

TEST_P(EvaluateTable, DecidesAndExplains) {
  const Case& c = GetParam();
  auto policy = ParsePolicy("name: p\nkeys: [k]\nplatform: nitro-enclave\n" + c.rules);
  ASSERT_TRUE(policy) << policy.error().message;
  Claims claims = EnclaveClaims();
  if (c.tweak) c.tweak(claims);
  Evaluation d = Evaluate(*policy, claims, References(), kNow);
  EXPECT_EQ(d.allow, c.allow) << d.reason;
  EXPECT_EQ(d.matched_rule, c.matched_rule);
  EXPECT_EQ(d.reason, c.reason);
  EXPECT_EQ(d.policy, "p");
  ASSERT_FALSE(d.explanation.empty());
  EXPECT_EQ(d.explanation[0].rule, "preconditions");
}

std::string Pcrs(const std::string& p0) { return "{0: \"" + p0 + "\"}"; }

INSTANTIATE_TEST_SUITE_P(
    Table, EvaluateTable,
    ::testing::Values(
        Case{"reference matches", "allow:\n  - reference: good@1\n", nullptr, true, "allow[0]",
             "allow rule allow[0] matched"},
        Case{"second rule matches", "allow:\n  - reference: other@1\n  - reference: good@1\n",
             nullptr, true, "allow[1]", "allow rule allow[1] matched"},
        Case{"inline pcrs match", "allow:\n  - pcrs: " + Pcrs(kA) + "\n", nullptr, true, "allow[0]",
             "allow rule allow[0] matched"},
        Case{"inline pcr differs", "allow:\n  - pcrs: " + Pcrs(kB) + "\n", nullptr, false, "",
             "no allow rule matched"},
        Case{"pcr absent from claims", "allow:\n  - pcrs: {0: \"" + kA + "\", 9: \"" + kA + "\"}\n",
             nullptr, false, "", "no allow rule matched"},
        Case{"unknown reference never matches", "allow:\n  - reference: nobody@1\n", nullptr, false,
             "", "no allow rule matched"},
        Case{"revoked reference never matches", "allow:\n  - reference: revoked@1\n", nullptr,
             false, "", "no allow rule matched"},
        Case{"reference of another platform", "allow:\n  - reference: tpm@1\n", nullptr, false, "",
             "no allow rule matched"},
        Case{"deny rule wins", "allow:\n  - reference: good@1\ndeny:\n  - pcrs: " + Pcrs(kA) + "\n",
             nullptr, false, "deny[0]", "deny rule deny[0] matched"},
        Case{"deny naming a revoked reference fails closed",
             "allow:\n  - reference: good@1\ndeny:\n  - reference: revoked@1\n", nullptr, false,
             "deny[0]", "deny rule deny[0]: reference revoked@1 is revoked: failing closed"},
        Case{"deny naming a pending reference fails closed",
             "allow:\n  - reference: good@1\ndeny:\n  - reference: pending@1\n", nullptr, false,
             "deny[0]", "deny rule deny[0]: reference pending@1 is pending: failing closed"},
        Case{"deny naming an unknown reference fails closed",
             "allow:\n  - reference: good@1\ndeny:\n  - reference: nobody@1\n", nullptr, false,
             "deny[0]", "deny rule deny[0]: reference nobody@1 is not registered: failing closed"},
        Case{"deny naming another platform's reference fails closed",
             "allow:\n  - reference: good@1\ndeny:\n  - reference: tpm@1\n", nullptr, false,
             "deny[0]", "deny rule deny[0]: reference tpm@1 is for nitro-tpm: failing closed"},
        Case{"a deny failing closed keeps its other conditions",
             "allow:\n  - reference: good@1\ndeny:\n  - reference: revoked@1\n    module_id: i-1\n",
             nullptr, true, "allow[0]", "allow rule allow[0] matched"},
        Case{"deny naming an active reference that differs",
             "allow:\n  - reference: good@1\ndeny:\n  - reference: other@1\n", nullptr, true,
             "allow[0]", "allow rule allow[0] matched"},
        Case{"allow through a stored reference that binds no image",
             "allow:\n  - reference: role-only@1\n", [](Claims& c) { c.pcrs[3] = Bytes(48, 0xaa); },
             false, "", "no allow rule matched"},
        Case{"deny naming a PCR the evidence leaves out fails closed",
             "allow:\n  - reference: good@1\ndeny:\n  - pcrs: {14: \"" + kB + "\"}\n", nullptr,
             false, "deny[0]", "deny rule deny[0] matched"},
        Case{"allow through a stored reference that binds only a zero PCR8",
             "allow:\n  - reference: unsigned@1\n",
             [](Claims& c) {
               c.pcrs[8] = Bytes(48, 0);
               c.pcrs[4] = Bytes(48, 0xaa);
             },
             false, "", "no allow rule matched"},
        Case{"deny rule that does not match",
             "allow:\n  - reference: good@1\ndeny:\n  - pcrs: " + Pcrs(kB) + "\n", nullptr, true,
             "allow[0]", "allow rule allow[0] matched"},
        Case{"until still open", "allow:\n  - reference: good@1\n    until: 2026-06-02T00:00:00Z\n",
             nullptr, true, "allow[0]", "allow rule allow[0] matched"},
        Case{"until passed", "allow:\n  - reference: good@1\n    until: 2026-06-01T00:00:00Z\n",
             nullptr, false, "", "no allow rule matched"},
        Case{"module_id matches",
             "allow:\n  - reference: good@1\n    module_id: "
             "i-0123456789abcdef0-enc0123456789abcdef\n",
             nullptr, true, "allow[0]", "allow rule allow[0] matched"},
        Case{"module_id differs", "allow:\n  - reference: good@1\n    module_id: i-1\n", nullptr,
             false, "", "no allow rule matched"},
        Case{"user_data matches", "allow:\n  - reference: good@1\n    user_data: \"0102\"\n",
             [](Claims& c) {
               c.user_data = Bytes{1, 2};
             },
             true, "allow[0]", "allow rule allow[0] matched"},
        Case{"user_data absent", "allow:\n  - reference: good@1\n    user_data: \"0102\"\n",
             nullptr, false, "", "no allow rule matched"},
        Case{"wrong platform", "allow:\n  - reference: good@1\n",
             [](Claims& c) { c.platform = Platform::kNitroTpm; }, false, "",
             "preconditions not met: platform"},
        Case{"stale document", "allow:\n  - reference: good@1\n",
             [](Claims& c) { c.timestamp = kNow - seconds(301); }, false, "",
             "preconditions not met: age"},
        Case{"document from the future", "allow:\n  - reference: good@1\n",
             [](Claims& c) { c.timestamp = kNow + seconds(120); }, false, "",
             "preconditions not met: age"},
        Case{"small clock skew is fine", "allow:\n  - reference: good@1\n",
             [](Claims& c) { c.timestamp = kNow + seconds(30); }, true, "allow[0]",
             "allow rule allow[0] matched"},
        Case{"custom max_age", "freshness: {max_age: 1h}\nallow:\n  - reference: good@1\n",
             [](Claims& c) { c.timestamp = kNow - seconds(3000); }, true, "allow[0]",
             "allow rule allow[0] matched"},
        Case{"nonce required and absent", "allow:\n  - reference: good@1\n",
             [](Claims& c) { c.nonce.reset(); }, false, "", "preconditions not met: nonce"},
        Case{"nonce optional and absent",
             "freshness: {nonce: optional}\nallow:\n  - reference: good@1\n",
             [](Claims& c) { c.nonce.reset(); }, true, "allow[0]", "allow rule allow[0] matched"},
        Case{"debug enclave denied by default", "allow:\n  - pcrs: " + Pcrs(kA) + "\n",
             [](Claims& c) { c.pcrs[0] = Bytes(48, 0); }, false, "",
             "preconditions not met: debug_mode"},
        Case{"debug enclave with allow_debug",
             "allow_debug: true\nallow:\n  - pcrs: " + Pcrs(kZ) + "\n",
             [](Claims& c) { c.pcrs[0] = Bytes(48, 0); }, true, "allow[0]",
             "allow rule allow[0] matched"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = info.param.name;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(Evaluate, ExplainsExpectedAndActualPerPcr) {
  auto policy =
      ParsePolicy("name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - pcrs: {0: \"" + kA +
                  "\", 2: \"" + kA + "\"}\n");
  ASSERT_TRUE(policy);
  Evaluation d = Evaluate(*policy, EnclaveClaims(), {}, kNow);
  ASSERT_EQ(d.explanation.size(), 2u);
  const RuleResult& rule = d.explanation[1];
  EXPECT_EQ(rule.rule, "allow[0]");
  ASSERT_EQ(rule.checks.size(), 2u);
  EXPECT_EQ(rule.checks[0].what, "PCR0");
  EXPECT_TRUE(rule.checks[0].matched);
  EXPECT_EQ(rule.checks[1].what, "PCR2");
  EXPECT_EQ(rule.checks[1].expected, kA);
  EXPECT_EQ(rule.checks[1].actual, kB);
  EXPECT_FALSE(rule.checks[1].matched);
}

TEST(Evaluate, NotesWhyAReferenceRuleCannotMatch) {
  auto policy = ParsePolicy(
      "name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - reference: revoked@1\n");
  ASSERT_TRUE(policy);
  Evaluation d = Evaluate(*policy, EnclaveClaims(), References(), kNow);
  EXPECT_EQ(d.explanation[1].note, "reference revoked@1 is revoked");
}

TEST(Evaluate, NotesWhyADenyRuleFailsClosed) {
  auto policy = ParsePolicy(
      "name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - reference: good@1\n"
      "deny:\n  - reference: revoked@1\n");
  ASSERT_TRUE(policy);
  Evaluation d = Evaluate(*policy, EnclaveClaims(), References(), kNow);
  ASSERT_EQ(d.explanation.size(), 2u);  // preconditions, deny[0]: allow rules are not reached
  EXPECT_TRUE(d.explanation[1].matched);
  EXPECT_EQ(d.explanation[1].note, "reference revoked@1 is revoked: failing closed");
}

TEST(Evaluate, NotesAnAllowRuleThatBindsNoImage) {
  auto policy = ParsePolicy(
      "name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - reference: role-only@1\n");
  ASSERT_TRUE(policy);
  Claims claims = EnclaveClaims();
  claims.pcrs[3] = Bytes(48, 0xaa);
  Evaluation d = Evaluate(*policy, claims, References(), kNow);
  EXPECT_FALSE(d.explanation[1].matched);
  EXPECT_EQ(d.explanation[1].note,
            "binds no image: it must bind PCR0 (the enclave image) or PCR8 (its signing "
            "certificate)");
}

TEST(DecideRelease, NeedsAPolicyThatNamesTheKeyAndAllows) {
  auto allow_k =
      ParsePolicy("name: a\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - reference: good@1\n");
  auto deny_k = ParsePolicy(
      "name: b\nkeys: [k, j]\nplatform: nitro-enclave\nallow:\n  - reference: other@1\n");
  ASSERT_TRUE(allow_k && deny_k);
  const Policy* both[] = {&*deny_k, &*allow_k};
  Evaluation d = DecideRelease("k", both, EnclaveClaims(), References(), kNow);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.policy, "a");
  Evaluation j = DecideRelease("j", both, EnclaveClaims(), References(), kNow);
  EXPECT_FALSE(j.allow);
  EXPECT_EQ(j.policy, "b");
  Evaluation none = DecideRelease("unnamed", both, EnclaveClaims(), References(), kNow);
  EXPECT_FALSE(none.allow);
  EXPECT_EQ(none.reason, "no policy governs key unnamed");
  EXPECT_FALSE(DecideRelease("k", {}, EnclaveClaims(), References(), kNow).allow);
}

}  // namespace
}  // namespace kb::policy
