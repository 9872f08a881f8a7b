// Attacks on what a policy says, through the admin API over real TLS (two-person rule at 2):
// lifting an approved deny rule by revoking its reference alone, showing reviewers one rule list
// while another applies (repeated YAML keys), and nitro-enclave rules that bind no image.

#include "api/admin_api.h"
#include "tests/support/admin_server.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::AdminServer;

constexpr char kRefs[] = "/v1/admin/references";
constexpr char kPolicy[] = "/v1/admin/policies/weights";

class AdminPolicyRulesTest : public AdminServer {
 protected:
  // `name` with PCR0..2 = `pcr`, proposed by policy-author and approved by `approver`.
  void RegisterReference(const std::string& name, uint8_t pcr) {
    auto created =
        Call("policy-author", "POST", std::string(kRefs) + "?name=" + name, NitroCliJson(pcr));
    ASSERT_EQ(created.status, 201) << created.body;
    auto approved = Call("approver", "POST", std::string(kRefs) + "/" + name + "/approve");
    ASSERT_EQ(approved.status, 200) << approved.body;
  }
  HttpResponse Put(const std::string& yaml) {
    return Call("policy-author", "PUT", kPolicy, yaml, "text/yaml");
  }
  void Approve(int version) {
    auto approved = Call("approver", "POST", std::string(kPolicy) + "/approve",
                         R"({"version": )" + std::to_string(version) + "}");
    ASSERT_EQ(approved.status, 200) << approved.body;
  }
  json::object Evaluate() {
    return Json(Call("auditor", "POST", std::string(kPolicy) + ":evaluate",
                     R"({"evidence": {"type": "auto", "document": ")" +
                         Base64Encode(Document(Bytes(32, 1))) + "\"}}"));
  }
  static std::string Message(const HttpResponse& r) {
    auto j = Json(r);
    return j.contains("message") ? std::string(j["message"].as_string()) : "";
  }
  static const std::string kHead;
};

const std::string AdminPolicyRulesTest::kHead =
    "name: weights\nkeys: [model-weights]\nplatform: nitro-enclave\n";

// Two principals put a deny on a build (found vulnerable) that the allow rule would admit. One
// principal revoking the deny's reference must not lift it: the deny fails closed.
TEST_F(AdminPolicyRulesTest, RevokingTheReferenceOfADenyRuleDoesNotLiftIt) {
  RegisterReference("enclave@1", 0xaa);
  RegisterReference("vulnerable@1", 0xaa);
  ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", testing::kT));
  auto put = Put(kHead + "allow:\n  - reference: enclave@1\ndeny:\n  - reference: vulnerable@1\n");
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_TRUE(Json(put)["warnings"].as_array().empty()) << put.body;
  Approve(1);
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");

  ASSERT_EQ(Call("policy-author", "POST", std::string(kRefs) + "/vulnerable@1/revoke").status, 200);
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");
  auto dry_run = Evaluate();
  EXPECT_EQ(dry_run["decision"], "deny");
  EXPECT_EQ(dry_run["reason"],
            "deny rule deny[0]: reference vulnerable@1 is revoked: failing closed");
  ASSERT_EQ(dry_run["warnings"].as_array().size(), 1u);
  EXPECT_EQ(dry_run["warnings"].as_array()[0].as_string(),
            "line 7: deny[0]: reference vulnerable@1 is revoked: the rule fails closed and denies "
            "every document its other conditions match");

  // A new version naming the revoked reference is accepted, with the warning.
  auto again = Put(kHead +
                   "allow:\n  - reference: enclave@1\ndeny:\n  - reference: vulnerable@1\n"
                   "    module_id: i-0\n");
  ASSERT_EQ(again.status, 201) << again.body;
  ASSERT_EQ(Json(again)["warnings"].as_array().size(), 1u) << again.body;
}

TEST_F(AdminPolicyRulesTest, APolicyWithTwoAllowKeysIsRefusedWithTheLine) {
  RegisterReference("enclave@1", 0xaa);
  std::string pcr0 = HexEncode(Bytes(48, 0xbb));
  auto put =
      Put(kHead + "allow:\n  - reference: enclave@1\nallow:\n  - pcrs: {0: \"" + pcr0 + "\"}\n");
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_EQ(Message(put), "line 6, column 1: duplicate key 'allow' (first given on line 4)");
  auto deny = Put(kHead +
                  "allow:\n  - reference: enclave@1\ndeny:\n  - module_id: a\n"
                  "deny:\n  - module_id: b\n");
  EXPECT_EQ(deny.status, 400) << deny.body;
  EXPECT_EQ(Message(deny), "line 8, column 1: duplicate key 'deny' (first given on line 6)");
  EXPECT_EQ(Call("auditor", "GET", kPolicy).status, 404);  // nothing was stored
}

TEST_F(AdminPolicyRulesTest, ANitroRuleBindingOnlyTheRoleIsRefused) {
  std::string pcr3 = HexEncode(Bytes(48, 3));
  auto put = Put(kHead + "allow:\n  - pcrs: {3: \"" + pcr3 + "\"}\n");
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_EQ(Message(put),
            "line 5: allow[0] must bind PCR0 (the enclave image) or PCR8 (its signing "
            "certificate) on nitro-enclave: without either, any image passes");
  // Nor through a reference: it is refused when registered.
  auto reference =
      Call("policy-author", "POST", kRefs,
           "name: role-only\nplatform: nitro-enclave\npcrs: {3: \"" + pcr3 + "\"}\n", "text/yaml");
  EXPECT_EQ(reference.status, 400) << reference.body;
  EXPECT_NE(Message(reference).find("must bind PCR0"), std::string::npos) << reference.body;
}

// An unsigned image's PCR8 is all zeros: binding it binds every unsigned image.
TEST_F(AdminPolicyRulesTest, ARuleBindingOnlyAnUnmeasuredPcr8IsRefused) {
  std::string zeros = HexEncode(Bytes(48, 0)), pcr4 = HexEncode(Bytes(48, 4));
  auto put = Put(kHead + "allow:\n  - pcrs: {8: \"" + zeros + "\", 4: \"" + pcr4 + "\"}\n");
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_NE(Message(put).find("all zeros bind nothing"), std::string::npos) << put.body;
  auto reference = Call("policy-author", "POST", kRefs,
                        "name: unsigned\nplatform: nitro-enclave\npcrs: {8: \"" + zeros +
                            "\", 4: \"" + pcr4 + "\"}\n",
                        "text/yaml");
  EXPECT_EQ(reference.status, 400) << reference.body;
  EXPECT_NE(Message(reference).find("all zeros bind nothing"), std::string::npos) << reference.body;
}

// A Nitro enclave has PCR0..PCR15 and a TPM PCR0..PCR23: the admin API refuses a rule or a
// reference naming another index, with its line, as the files are.
TEST_F(AdminPolicyRulesTest, APcrThePlatformDoesNotHaveIsRefusedWithTheLine) {
  std::string pcr = HexEncode(Bytes(48, 0xbb));
  auto put =
      Put(kHead + "allow:\n  - pcrs:\n      0: \"" + pcr + "\"\n      16: \"" + pcr + "\"\n");
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_EQ(Message(put), "line 7: PCR16 does not exist on nitro-enclave, which has PCR0..PCR15");
  auto reference =
      Call("policy-author", "POST", kRefs,
           "name: ami\nplatform: nitro-tpm\npcrs:\n  7: \"" + pcr + "\"\n  24: \"" + pcr + "\"\n",
           "text/yaml");
  EXPECT_EQ(reference.status, 400) << reference.body;
  EXPECT_EQ(Message(reference), "line 5: PCR24 does not exist on nitro-tpm, which has PCR0..PCR23");
  EXPECT_EQ(Call("auditor", "GET", kPolicy).status, 404);  // nothing was stored
}

TEST_F(AdminPolicyRulesTest, AllowDebugIsRefusedUnderTheTwoPersonRule) {
  RegisterReference("enclave@1", 0xaa);
  auto put = Put(kHead + "allow_debug: true\nallow:\n  - reference: enclave@1\n");
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_EQ(Message(put),
            "line 4: allow_debug: true is for development only (debug-mode enclaves measure "
            "zeros, so no rule binds their image) and is refused when approvals_required is 2 "
            "or more");
  EXPECT_EQ(Put(kHead + "allow_debug: false\nallow:\n  - reference: enclave@1\n").status, 201);
}

}  // namespace
}  // namespace kb::api
