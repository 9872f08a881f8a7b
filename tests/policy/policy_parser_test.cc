#include "policy/policy_parser.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace kb::policy {
namespace {

const std::string kPcr48(96, 'a');

TEST(PolicyParser, ReadsAFullPolicy) {
  auto p = ParsePolicy(R"(
name: inference-prod
keys: [model-weights, tokenizer]
platform: nitro-enclave
freshness: {max_age: 10m, nonce: optional}
allow_debug: false
allow:
  - reference: ami-0abc1234
  - reference: payments@1.4.2
    until: 2026-12-31T00:00:00Z
  - pcrs: {0: ")" + kPcr48 +
                       R"(", 1: ")" + std::string(96, 'B') + R"("}
    module_id: i-0123456789abcdef0-enc0123456789abcdef
    user_data: "00ff"
deny:
  - reference: ami-0bad0000
  - instance_id: i-0123456789abcdef0
)");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->name, "inference-prod");
  EXPECT_EQ(p->keys, (std::vector<std::string>{"model-weights", "tokenizer"}));
  EXPECT_EQ(p->max_age, std::chrono::minutes(10));
  EXPECT_EQ(p->nonce, NonceMode::kOptional);
  ASSERT_EQ(p->allow.size(), 3u);
  EXPECT_EQ(p->allow[1].until, ParseRfc3339("2026-12-31T00:00:00Z"));
  EXPECT_EQ(p->allow[2].pcrs.at(1), Bytes(48, 0xbb));
  EXPECT_EQ(p->allow[2].user_data, (Bytes{0x00, 0xff}));
  EXPECT_EQ(p->allow[2].label, "allow[2]");
  EXPECT_EQ(p->allow[2].line, 11);
  ASSERT_EQ(p->deny.size(), 2u);
  // instance_id is PCR4 = SHA-384(48 zero bytes ‖ id), as Nitro measures it.
  EXPECT_EQ(HexEncode(p->deny[1].pcrs.at(4)).size(), 96u);
}

TEST(PolicyParser, SafeDefaults) {
  auto p = ParsePolicy("name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - reference: r\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->max_age, std::chrono::seconds(300));
  EXPECT_EQ(p->nonce, NonceMode::kRequired);
  EXPECT_FALSE(p->allow_debug);
  EXPECT_TRUE(p->deny.empty());
}

TEST(PolicyParser, InstanceIdMeasuresLikeNitro) {
  // nitro-enclave-8's PCR4, from instance i-017338f9d1a9121c5.
  auto p = ParsePolicy(
      "name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n  - reference: r\n"
      "    instance_id: i-017338f9d1a9121c5\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(HexEncode(p->allow[0].pcrs.at(4)),
            "4f7357137548bf19b3b79aa33b474bbb3b9c487a90f17bde2d557e2a33774c144befa63f27630a8067bb"
            "88fc53ecdabe");
}

struct BadPolicy {
  const char* comment;
  std::string yaml;
  std::string message;
};

void PrintTo(const BadPolicy& p, std::ostream* os) { *os << p.comment; }

class PolicyParserRejects : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PolicyParserRejects, WithALineNumberedMessage) {
  auto p = ParsePolicy(GetParam().yaml);
  ASSERT_FALSE(p) << GetParam().comment;
  EXPECT_EQ(p.error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(p.error().message, GetParam().message) << GetParam().comment;
}

const std::string kHead = "name: p\nkeys: [k]\nplatform: nitro-enclave\n";
const std::string kTpmHead = "name: p\nkeys: [k]\nplatform: nitro-tpm\n";
const std::string kAllow = "allow:\n  - reference: r\n";

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyParserRejects,
    ::testing::Values(
        BadPolicy{"syntax", "name: [", "line 1: end of sequence flow not found"},
        BadPolicy{"not a map", "- a\n- b\n", "line 1: a policy is a mapping"},
        BadPolicy{"unknown top-level field", kHead + kAllow + "colour: red\n",
                  "line 6: unknown key 'colour'"},
        BadPolicy{"missing name", "keys: [k]\nplatform: nitro-enclave\n" + kAllow,
                  "line 1: missing 'name'"},
        BadPolicy{"missing allow", kHead, "line 1: missing 'allow'"},
        BadPolicy{"empty allow", kHead + "allow: []\n",
                  "line 4: a policy needs at least one allow rule"},
        BadPolicy{"bad name", "name: -p\nkeys: [k]\nplatform: nitro-enclave\n" + kAllow,
                  "line 1: policy name is invalid"},
        BadPolicy{"keys not a list", "name: p\nkeys: k\nplatform: nitro-enclave\n" + kAllow,
                  "line 2: keys must be a non-empty list of key ids"},
        BadPolicy{"duplicate key", "name: p\nkeys: [k, k]\nplatform: nitro-enclave\n" + kAllow,
                  "line 2: key 'k' is listed twice"},
        BadPolicy{"unknown platform", "name: p\nkeys: [k]\nplatform: sgx\n" + kAllow,
                  "line 3: platform must be nitro-enclave, nitro-tpm or tpm2-quote"},
        BadPolicy{"bad max_age", kHead + "freshness: {max_age: forever}\n" + kAllow,
                  "line 4: max_age must be a duration between 1s and 24h"},
        BadPolicy{"max_age too long", kHead + "freshness: {max_age: 2d}\n" + kAllow,
                  "line 4: max_age must be a duration between 1s and 24h"},
        BadPolicy{"bad nonce mode", kHead + "freshness: {nonce: sometimes}\n" + kAllow,
                  "line 4: nonce must be required or optional"},
        BadPolicy{"unknown freshness key", kHead + "freshness: {maxage: 5s}\n" + kAllow,
                  "line 4: unknown key 'maxage'"},
        BadPolicy{"allow_debug not bool", kHead + "allow_debug: yes please\n" + kAllow,
                  "line 4: allow_debug must be true or false"},
        BadPolicy{"allow_debug on tpm", kTpmHead + "allow_debug: true\n" + kAllow,
                  "line 4: allow_debug applies to nitro-enclave policies only"},
        BadPolicy{"unknown rule field", kHead + "allow:\n  - reference: r\n    colour: red\n",
                  "line 6: unknown key 'colour'"},
        BadPolicy{"allow without measurement", kHead + "allow:\n  - module_id: x\n",
                  "line 5: allow[0] binds no measurement: give a reference or pcrs"},
        BadPolicy{"allow with only instance_id",
                  kHead + "allow:\n  - instance_id: i-0123456789abcdef0\n",
                  "line 5: allow[0] binds no measurement: give a reference or pcrs"},
        BadPolicy{"tpm without PCR7/12", kTpmHead + "allow:\n  - pcrs: {4: \"" + kPcr48 + "\"}\n",
                  "line 5: allow[0] must bind PCR7 or PCR12 on nitro-tpm (GHSA-xrv8-2pf5-f3q7)"},
        BadPolicy{"enclave rule binding only the instance and role",
                  kHead + "allow:\n  - pcrs: {3: \"" + kPcr48 +
                      "\"}\n    instance_id: i-0123456789abcdef0\n",
                  "line 5: allow[0] must bind PCR0 (the enclave image) or PCR8 (its signing "
                  "certificate) on nitro-enclave: without either, any image passes"},
        BadPolicy{"enclave rule binding a zero PCR0 without allow_debug",
                  kHead + "allow:\n  - pcrs: {0: \"" + std::string(96, '0') + "\"}\n",
                  "line 5: allow[0] must bind PCR0 (the enclave image) or PCR8 (its signing "
                  "certificate) on nitro-enclave: without either, any image passes; all zeros "
                  "bind nothing: it is what an unmeasured register holds"},
        BadPolicy{"enclave rule binding PCR1 and PCR2 only",
                  kHead + kAllow + "  - pcrs: {1: \"" + kPcr48 + "\", 2: \"" + kPcr48 + "\"}\n",
                  "line 6: allow[1] must bind PCR0 (the enclave image) or PCR8 (its signing "
                  "certificate) on nitro-enclave: without either, any image passes"},
        BadPolicy{"two allow keys", kHead + kAllow + "allow:\n  - pcrs: {0: \"" + kPcr48 + "\"}\n",
                  "line 6, column 1: duplicate key 'allow' (first given on line 4)"},
        BadPolicy{"two deny keys",
                  kHead + kAllow + "deny:\n  - module_id: a\ndeny:\n  - module_id: b\n",
                  "line 8, column 1: duplicate key 'deny' (first given on line 6)"},
        BadPolicy{"repeated key in a rule", kHead + "allow:\n  - reference: r\n    reference: s\n",
                  "line 6, column 5: duplicate key 'reference' (first given on line 5)"},
        BadPolicy{"repeated key in a flow map",
                  kHead + "freshness: {max_age: 5s, max_age: 1h}\n" + kAllow,
                  "line 4, column 26: duplicate key 'max_age' (first given on line 4)"},
        BadPolicy{"quoted and plain forms of one key",
                  kHead + kAllow + "\"allow\":\n  - reference: s\n",
                  "line 6, column 1: duplicate key 'allow' (first given on line 4)"},
        BadPolicy{"a second document that never applies",
                  kHead + kAllow + "---\n" + kHead + kAllow + "deny:\n  - module_id: a\n",
                  "line 6: a second YAML document (after --- or ...): give exactly one"},
        BadPolicy{"a second document after the end marker",
                  kHead + kAllow + "...\ndeny:\n  - module_id: a\n",
                  "line 7: a second YAML document (after --- or ...): give exactly one"},
        BadPolicy{"deny without condition",
                  kHead + kAllow + "deny:\n  - until: 2026-01-01T00:00:00Z\n",
                  "line 7: deny[0] has no condition"},
        BadPolicy{"rules not a list", kHead + "allow: {reference: r}\n",
                  "line 4: allow must be a list of rules"},
        BadPolicy{"PCR index too high", kHead + "allow:\n  - pcrs: {32: \"" + kPcr48 + "\"}\n",
                  "line 5: PCR index must be a number from 0 to 15, not '32'"},
        BadPolicy{"PCR16 on a Nitro enclave, which has PCR0..PCR15",
                  kHead + "allow:\n  - pcrs: {0: \"" + kPcr48 + "\", 16: \"" + kPcr48 + "\"}\n",
                  "line 5: PCR16 does not exist on nitro-enclave, which has PCR0..PCR15"},
        BadPolicy{"PCR24 on a NitroTPM, which has PCR0..PCR23",
                  kTpmHead + "allow:\n  - pcrs: {7: \"" + kPcr48 + "\", 24: \"" + kPcr48 + "\"}\n",
                  "line 5: PCR24 does not exist on nitro-tpm, which has PCR0..PCR23"},
        BadPolicy{"PCR24 on a TPM quote",
                  "name: p\nkeys: [k]\nplatform: tpm2-quote\nallow:\n  - pcrs: {24: \"" + kPcr48 +
                      "\"}\n",
                  "line 5: PCR24 does not exist on tpm2-quote, which has PCR0..PCR23"},
        BadPolicy{"PCR index not a number", kHead + "allow:\n  - pcrs: {x: \"" + kPcr48 + "\"}\n",
                  "line 5: PCR index must be a number from 0 to 15, not 'x'"},
        BadPolicy{"PCR value not hex", kHead + "allow:\n  - pcrs: {0: \"zz\"}\n",
                  "line 5: PCR0 is not hex"},
        BadPolicy{"PCR value SHA-256 on nitro",
                  kHead + "allow:\n  - pcrs: {0: \"" + std::string(64, 'a') + "\"}\n",
                  "line 5: PCR0 has 32 bytes, which is not a nitro-enclave digest size"},
        BadPolicy{"empty pcrs", kHead + "allow:\n  - pcrs: {}\n",
                  "line 5: pcrs must be a non-empty map of index: hex"},
        BadPolicy{"instance_id and PCR4",
                  kHead + "allow:\n  - pcrs: {4: \"" + kPcr48 +
                      "\"}\n    instance_id: i-0123456789abcdef0\n",
                  "line 6: PCR4 is already bound by pcrs"},
        BadPolicy{"instance_id malformed",
                  kHead + "allow:\n  - reference: r\n    instance_id: vm-1\n",
                  "line 6: instance_id must look like i-0123456789abcdef0"},
        BadPolicy{"iam_role malformed", kHead + "allow:\n  - reference: r\n    iam_role: admin\n",
                  "line 6: iam_role must be a role ARN"},
        BadPolicy{"nitro matcher on tpm",
                  kTpmHead + "allow:\n  - reference: r\n    instance_id: i-0123456789abcdef0\n",
                  "line 6: instance_id applies to nitro-enclave policies only"},
        BadPolicy{"until malformed", kHead + "allow:\n  - reference: r\n    until: next year\n",
                  "line 6: until must be an RFC 3339 time"},
        BadPolicy{"user_data not hex", kHead + "allow:\n  - reference: r\n    user_data: hello\n",
                  "line 6: user_data must be hex, ≤ 1024 bytes"},
        BadPolicy{"reference not a scalar", kHead + "allow:\n  - reference: [a, b]\n",
                  "line 5: reference must be a single value"},
        // yaml-cpp stops at its depth limit (with an odd message) instead of overflowing.
        BadPolicy{"deep nesting", kHead + "allow: " + std::string(60000, '[') + "\n",
                  "line 5: bad file"}),
    [](const ::testing::TestParamInfo<BadPolicy>& info) {
      std::string name = info.param.comment;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(PolicyParser, AcceptsEnclaveRulesThatBindTheImageOrItsSigner) {
  for (const std::string& rule :
       {"  - pcrs: {0: \"" + kPcr48 + "\"}\n",
        "  - pcrs: {8: \"" + kPcr48 + "\"}\n    iam_role: arn:aws:iam::123456789012:role/r\n"}) {
    auto p = ParsePolicy(kHead + "allow:\n" + rule);
    EXPECT_TRUE(p) << rule << ": " << p.error().message;
  }
}

TEST(PolicyParser, RecordsTheLineOfAllowDebug) {
  auto p = ParsePolicy(kHead + "allow_debug: true\n" + kAllow);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->allow_debug);
  EXPECT_EQ(p->allow_debug_line, 4);
}

TEST(PolicyParser, RejectsOversizedSources) {
  auto p = ParsePolicy(std::string(kMaxPolicySize + 1, '#'));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "policy is larger than 64 KiB");
}

}  // namespace
}  // namespace kb::policy
