// `keybroker policy check` and `keybroker policy eval` through the built binary, over the real
// AWS documents: a policy pinning nitro-enclave-3 (via nitro-cli JSON) allows it and denies
// nitro-enclave-8.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::CliRun;
using testing::Keybroker;
namespace json = boost::json;

std::string V(const std::string& name) { return testing::VectorPath(name); }

const std::string kEval = "policy eval --policy " + V("policy/enclave3-pinned.yaml") +
                          " --reference " + V("policy/cape-runtime@2022-09.json");

TEST(PolicyEval, AllowsTheEnclaveItPins) {
  CliRun r = Keybroker(kEval + " --evidence " + V("nitro/nitro-enclave-3.cbor") +
                       " --at 2022-09-15T17:43:28.848Z");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = r.json();
  EXPECT_EQ(j["decision"], "allow");
  EXPECT_EQ(j["policy"], "cape-runtime");
  EXPECT_EQ(j["matched_rule"], "allow[0]");
  EXPECT_EQ(j["explanation"].as_array().size(), 3u);  // preconditions, deny[0], allow[0]
}

TEST(PolicyEval, DeniesAnotherEnclaveAndSaysWhichPcrsDiffer) {
  CliRun r = Keybroker(kEval + " --evidence " + V("nitro/nitro-enclave-8.cbor") +
                       " --at 2026-03-06T11:14:18.051Z");
  ASSERT_EQ(r.exit_code, 1) << r.out;
  auto j = r.json();
  EXPECT_EQ(j["decision"], "deny");
  EXPECT_TRUE(j["matched_rule"].is_null());
  auto allow = j["explanation"].as_array()[2].as_object();
  EXPECT_EQ(allow["rule"], "allow[0]");
  auto pcr0 = allow["checks"].as_array()[0].as_object();
  EXPECT_EQ(pcr0["what"], "PCR0");
  EXPECT_EQ(pcr0["matched"], false);
  EXPECT_EQ(std::string(pcr0["actual"].as_string()).substr(0, 8), "61740291");
}

TEST(PolicyEval, WithoutTheReferenceNothingMatches) {
  CliRun r = Keybroker("policy eval --policy " + V("policy/enclave3-pinned.yaml") + " --evidence " +
                       V("nitro/nitro-enclave-3.cbor") + " --at 2022-09-15T17:43:28.848Z");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.json()["explanation"].as_array()[2].as_object()["note"],
            "reference cape-runtime@2022-09 is not registered");
}

TEST(PolicyEval, RejectedEvidenceAndUsageErrors) {
  CliRun expired = Keybroker(kEval + " --evidence " + V("nitro/nitro-enclave-3.cbor"));
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_EQ(expired.json()["error"], "certificate_expired");
  EXPECT_EQ(Keybroker("policy eval --evidence x").exit_code, 2);
  EXPECT_EQ(
      Keybroker("policy eval --policy /nonexistent --evidence " + V("nitro/nitro-enclave-3.cbor"))
          .exit_code,
      2);
  EXPECT_EQ(Keybroker("policy frobnicate").exit_code, 2);
}

TEST(PolicyCheck, ReportsEachFileWithTheLineOfItsError) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/bad.yaml") << "name: p\nkeys: [k]\nplatform: nitro-enclave\nallow:\n"
                                      "  - reference: r\n    colour: blue\n";
  CliRun r =
      Keybroker("policy check " + V("policy/enclave3-pinned.yaml") + " " + dir + "/bad.yaml");
  EXPECT_EQ(r.exit_code, 1);
  auto j = r.json();
  EXPECT_EQ(j["valid"], false);
  auto files = j["files"].as_array();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].as_object()["valid"], true);
  EXPECT_EQ(files[0].as_object()["name"], "cape-runtime");
  EXPECT_EQ(files[1].as_object()["error"], "line 6: unknown key 'colour'");
  EXPECT_EQ(Keybroker("policy check " + V("policy/enclave3-pinned.yaml")).exit_code, 0);
  EXPECT_EQ(Keybroker("policy check /nonexistent.yaml").exit_code, 2);
  EXPECT_EQ(Keybroker("policy check").exit_code, 2);
}

// The README's `policy check docs/examples/*.yaml`: policies and a reference side by side, each
// linted as what it is; a broken reference is still reported as a reference, with its line.
TEST(PolicyCheck, LintsReferencesBesidePolicies) {
  std::string examples = V("../../docs/examples");
  CliRun r = Keybroker("policy check " + examples + "/payments-enclave.yaml " + examples +
                       "/payments-enclave@1.4.2.yaml " + V("policy/cape-runtime@2022-09.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto files = r.json()["files"].as_array();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].as_object()["kind"], "policy");
  EXPECT_EQ(files[0].as_object()["name"], "payments");
  EXPECT_EQ(files[1].as_object()["kind"], "reference");
  EXPECT_EQ(files[1].as_object()["name"], "payments-enclave@1.4.2");
  EXPECT_EQ(files[1].as_object()["platform"], "nitro-enclave");
  EXPECT_EQ(files[2].as_object()["kind"], "reference");
  EXPECT_EQ(files[2].as_object()["name"], "cape-runtime@2022-09");

  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/ref.yaml") << "name: r\nplatform: nitro-enclave\npcrs:\n  0: \"" +
                                          std::string(96, 'a') + "\"\ncolour: blue\n";
  CliRun bad = Keybroker("policy check " + dir + "/ref.yaml");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  auto entry = bad.json()["files"].as_array()[0].as_object();
  EXPECT_EQ(entry["kind"], "reference");
  EXPECT_EQ(entry["error"], "line 5: unknown key 'colour'");
}

const std::string kHead = "name: p\nkeys: [k]\nplatform: nitro-enclave\n";
const std::string kPcr = std::string(96, 'a');

// Two `allow:` keys: yaml-cpp keeps both and a reader of the first would be misled.
TEST(PolicyCheck, RefusesRepeatedKeysWithLineAndColumn) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/twice.yaml")
      << kHead << "allow:\n  - reference: r\nallow:\n  - pcrs: {0: \"" << kPcr << "\"}\n";
  CliRun r = Keybroker("policy check " + dir + "/twice.yaml");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.json()["files"].as_array()[0].as_object()["error"],
            "line 6, column 1: duplicate key 'allow' (first given on line 4)");
}

TEST(PolicyCheck, RefusesAnEnclaveRuleThatBindsNoImage) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/role.yaml") << kHead << "allow:\n  - pcrs: {3: \"" << kPcr
                                    << "\"}\n    instance_id: i-0123456789abcdef0\n";
  CliRun r = Keybroker("policy check " + dir + "/role.yaml");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.json()["files"].as_array()[0].as_object()["error"],
            "line 5: allow[0] must bind PCR0 (the enclave image) or PCR8 (its signing "
            "certificate) on nitro-enclave: without either, any image passes");
}

TEST(PolicyCheck, WarnsThatAllowDebugIsForDevelopmentOnly) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/debug.yaml") << kHead << "allow_debug: true\nallow:\n  - reference: r\n";
  CliRun r = Keybroker("policy check " + dir + "/debug.yaml");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto warnings = r.json()["files"].as_array()[0].as_object()["warnings"].as_array();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].as_string().find("line 4: allow_debug: true"), json::string::npos);
  EXPECT_NE(warnings[0].as_string().find("development only"), json::string::npos);
}

// With the registered references given, a deny rule naming another one is flagged: it fails
// closed.
TEST(PolicyCheck, WarnsAboutDenyRulesNamingUnknownReferences) {
  std::string policy = V("policy/enclave3-pinned.yaml");
  std::string reference = V("policy/cape-runtime@2022-09.json");
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/deny.yaml") << "name: cape-runtime\nkeys: [k]\nplatform: nitro-enclave\n"
                                       "allow:\n  - reference: cape-runtime@2022-09\n"
                                       "deny:\n  - reference: cape-runtime@2022-08\n";
  CliRun r =
      Keybroker("policy check --reference " + reference + " " + policy + " " + dir + "/deny.yaml");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto files = r.json()["files"].as_array();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_TRUE(files[0].as_object()["warnings"].as_array().empty());
  auto warnings = files[1].as_object()["warnings"].as_array();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "line 7: deny[0]: reference cape-runtime@2022-08 is not registered: the rule fails "
            "closed and denies every document its other conditions match");
  // Without --reference nothing is known about references, so nothing is said.
  CliRun unknown = Keybroker("policy check " + dir + "/deny.yaml");
  EXPECT_TRUE(unknown.json()["files"].as_array()[0].as_object()["warnings"].as_array().empty());
}

}  // namespace
}  // namespace kb::cli
