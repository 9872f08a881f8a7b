// Issue 16, the two-person rule held against one principal acting alone, over the admin API on
// a live server (approvals_required: 2): minting identities (a sock puppet, a token for an
// existing approver, an access key) and rolling a policy back. Each test first shows what the
// single principal tries, then that it takes effect only once a second admin or approver agrees.

#include "api/admin_api.h"
#include "api/kms/kms_api.h"
#include "tests/support/admin_server.h"
#include "tests/support/kms_request.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::AdminServer;
using testing::kT;

constexpr char kRefs[] = "/v1/admin/references";
constexpr char kPolicy[] = "/v1/admin/policies/weights";

class AdminQuorumTest : public AdminServer {
 protected:
  void SetUp() override {
    AdminServer::SetUp();
    // Mallory holds every role an insider could collect, and wants her policy in force alone.
    AddPrincipal("mallory", {"admin", "policy-author", "key-manager"});
    ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", kT));
  }
  void RegisterReference(const std::string& name, uint8_t pcr) {
    auto created =
        Call("policy-author", "POST", std::string(kRefs) + "?name=" + name, NitroCliJson(pcr));
    ASSERT_EQ(created.status, 201) << created.body;
    ASSERT_EQ(Call("approver", "POST", std::string(kRefs) + "/" + name + "/approve").status, 200);
  }
  HttpResponse ApprovePolicyAs(const std::string& who, int version) {
    return Call(who, "POST", std::string(kPolicy) + "/approve",
                R"({"version": )" + std::to_string(version) + "}");
  }
  HttpResponse Activate(const std::string& who, int version) {
    return Call(who, "POST", std::string(kPolicy) + "/activate",
                R"({"version": )" + std::to_string(version) + "}");
  }
  static bool Effective(const HttpResponse& r) {
    auto j = Json(r);
    return j.contains("approval") && j["approval"].as_object().at("effective") == true;
  }
  // Mallory's policy (version 1, for her build 0xee), put and approved by her alone so far.
  void MallorysPolicy() {
    RegisterReference("mallory@1", 0xee);
    auto put =
        Call("mallory", "PUT", kPolicy, PolicyYaml("mallory@1", "model-weights"), "text/yaml");
    ASSERT_EQ(put.status, 201) << put.body;
    ASSERT_FALSE(Effective(put));
  }
};

// The attack the review confirmed: an admin creates a sock puppet with the approver role and
// approves her own policy through it. The puppet authenticates nobody until a second admin
// approves it, so the policy stays pending and nothing is released.
TEST_F(AdminQuorumTest, ASockPuppetPrincipalCannotApproveAnything) {
  MallorysPolicy();
  auto sock = Call("mallory", "POST", "/v1/admin/principals",
                   R"({"name": "sock", "roles": ["approver", "admin"]})");
  ASSERT_EQ(sock.status, 201) << sock.body;
  EXPECT_FALSE(Effective(sock));
  // Its token, issued by Mallory, waits too; and Mallory cannot approve either twice.
  auto token = Json(Call("mallory", "POST", "/v1/admin/principals/sock/tokens"));
  std::string sock_token(token["token"].as_string()), token_id(token["id"].as_string());
  EXPECT_EQ(token["approval"].as_object().at("effective"), false);
  EXPECT_EQ(Call("mallory", "POST", "/v1/admin/principals/sock/approve").status, 409);
  EXPECT_EQ(Call("mallory", "POST", "/v1/admin/tokens/" + token_id + "/approve").status, 409);

  EXPECT_EQ(Code(Call(sock_token, "GET", "/v1/admin/whoami")), "unauthorized");
  EXPECT_EQ(Code(ApprovePolicyAs(sock_token, 1)), "unauthorized");
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");

  // A pending principal cannot approve itself in, nor can its pending token approve the token.
  EXPECT_EQ(Code(Call(sock_token, "POST", "/v1/admin/principals/sock/approve")), "unauthorized");
  // Two admins make it real; only then does it count as a second approver. An approved token
  // of a principal still waiting authenticates nobody, and neither does the reverse.
  ASSERT_TRUE(Effective(Call("admin2", "POST", "/v1/admin/tokens/" + token_id + "/approve")));
  EXPECT_EQ(Code(Call(sock_token, "GET", "/v1/admin/whoami")), "unauthorized");
  auto second = Json(Call("mallory", "POST", "/v1/admin/principals/sock/tokens"));
  ASSERT_TRUE(Effective(Call("admin2", "POST", "/v1/admin/principals/sock/approve")));
  EXPECT_EQ(Code(Call(std::string(second["token"].as_string()), "GET", "/v1/admin/whoami")),
            "unauthorized");  // its own approval still missing
  EXPECT_EQ(Call(sock_token, "GET", "/v1/admin/whoami").status, 200);
  EXPECT_TRUE(Effective(ApprovePolicyAs(sock_token, 1)));
  EXPECT_EQ(Release("model-weights", 0xee).status, 200);
}

// The other confirmed path: a token for an existing approver (`tokens create bob`).
TEST_F(AdminQuorumTest, AnAdminCannotMintATokenForAnExistingApprover) {
  MallorysPolicy();
  auto token = Json(Call("mallory", "POST", "/v1/admin/principals/approver/tokens"));
  std::string stolen(token["token"].as_string());
  EXPECT_EQ(token["approval"].as_object().at("effective"), false);
  EXPECT_EQ(Code(Call(stolen, "GET", "/v1/admin/whoami")), "unauthorized");
  EXPECT_EQ(Code(ApprovePolicyAs(stolen, 1)), "unauthorized");
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
  // Only admins approve identities: an approver cannot wave the token through.
  EXPECT_EQ(Code(Call("approver2", "POST",
                      "/v1/admin/tokens/" + std::string(token["id"].as_string()) + "/approve")),
            "forbidden");
  auto pending = Json(Call("auditor", "GET", "/v1/admin/pending"))["pending"].as_array();
  bool listed = false;
  for (const auto& item : pending) listed |= item.as_object().at("kind") == "token";
  EXPECT_TRUE(listed);
}

// A principal issues and revokes its own tokens alone, with its own roles; for anyone else it
// needs the admin role, and then the quorum.
TEST_F(AdminQuorumTest, OwnTokensAreImmediateOthersNeedAdminAndTheQuorum) {
  auto own = Json(Call("approver", "POST", "/v1/admin/principals/approver/tokens"));
  EXPECT_EQ(own["approval"].as_object().at("effective"), true);
  std::string own_token(own["token"].as_string());
  auto who = Json(Call(own_token, "GET", "/v1/admin/whoami"));
  EXPECT_EQ(who["roles"].as_array().size(), 1u);  // never beyond its own roles
  EXPECT_EQ(Code(Call("approver", "POST", "/v1/admin/principals/approver2/tokens")), "forbidden");
  EXPECT_EQ(Code(Call("approver", "POST", "/v1/admin/principals/admin/tokens")), "forbidden");
  // Revoking narrows, so it is immediate; but only one's own tokens without admin.
  auto other = Json(Call("approver2", "POST", "/v1/admin/principals/approver2/tokens"));
  std::string other_id(other["id"].as_string());
  EXPECT_EQ(Code(Call("approver", "POST", "/v1/admin/tokens/" + other_id + "/revoke")),
            "forbidden");
  EXPECT_EQ(
      Call("approver", "POST", "/v1/admin/tokens/" + std::string(own["id"].as_string()) + "/revoke")
          .status,
      200);
  EXPECT_EQ(Code(Call(own_token, "GET", "/v1/admin/whoami")), "unauthorized");
  EXPECT_EQ(Call("admin", "POST", "/v1/admin/tokens/" + other_id + "/revoke").status, 200);
}

// A KMS access key for another principal signs nothing until a second admin approves it.
TEST_F(AdminQuorumTest, AnAccessKeyForAnotherPrincipalWaitsForTheQuorum) {
  AddPrincipal("app", {"kms-user"});
  auto issued = Json(Call("mallory", "POST", "/v1/admin/principals/app/access-keys"));
  ASSERT_EQ(issued["approval"].as_object().at("effective"), false);
  testing::KmsAccessKey key{std::string(issued["access_key_id"].as_string()),
                            std::string(issued["secret_access_key"].as_string())};
  auto call = [&] {
    return kms::RouteKms(testing::SignedKmsRequest("TrentService.ListKeys", "{}", key),
                         *broker_.kms_api, kT);
  };
  EXPECT_EQ(call().status, 400);
  EXPECT_NE(call().body.find("UnrecognizedClientException"), std::string::npos) << call().body;
  ASSERT_TRUE(Effective(Call("admin2", "POST", "/v1/admin/access-keys/" + key.id + "/approve")));
  EXPECT_EQ(call().status, 200) << call().body;
}

// Rollback by one person: version 2 replaced a looser version 1. Activating 1 again needs the
// quorum like a new version; deactivating, which only narrows, is immediate.
TEST_F(AdminQuorumTest, RollingBackToAnOlderVersionNeedsTheQuorum) {
  RegisterReference("loose@1", 0xee);
  RegisterReference("strict@1", 0xaa);
  ASSERT_EQ(
      Call("policy-author", "PUT", kPolicy, PolicyYaml("loose@1", "model-weights"), "text/yaml")
          .status,
      201);
  ASSERT_TRUE(Effective(ApprovePolicyAs("approver", 1)));
  ASSERT_EQ(
      Call("policy-author", "PUT", kPolicy, PolicyYaml("strict@1", "model-weights"), "text/yaml")
          .status,
      201);
  ASSERT_TRUE(Effective(ApprovePolicyAs("approver", 2)));
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");

  auto requested = Activate("policy-author", 1);
  ASSERT_EQ(requested.status, 200) << requested.body;
  EXPECT_FALSE(Effective(requested));
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");  // still version 2
  EXPECT_EQ(Code(Activate("policy-author", 1)), "forbidden");        // approving needs an approver
  auto pending = Json(Call("auditor", "GET", "/v1/admin/pending"))["pending"].as_array();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].as_object().at("kind"), "activation");
  EXPECT_EQ(pending[0].as_object().at("version"), 1);

  // A second principal agrees: now it takes effect.
  EXPECT_TRUE(Effective(Activate("approver", 1)));
  EXPECT_EQ(Release("model-weights", 0xee).status, 200);

  // Deactivation is immediate, and voids requests still waiting.
  ASSERT_FALSE(Effective(Activate("policy-author", 2)));
  ASSERT_EQ(Call("policy-author", "POST", std::string(kPolicy) + "/deactivate").status, 200);
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
  EXPECT_EQ(Code(Release("model-weights", 0xaa)), "policy_denied");
  EXPECT_TRUE(Json(Call("auditor", "GET", "/v1/admin/pending"))["pending"].as_array().empty());
  // The half-approved request does not come back to life with one more approval.
  EXPECT_EQ(Activate("approver", 2).status, 200);
  EXPECT_EQ(Code(Release("model-weights", 0xaa)), "policy_denied");
}

// An approval given for one request does not carry over to a later request for the same
// version: a stale "yes" cannot be replayed after the active version changed.
TEST_F(AdminQuorumTest, AnActivationApprovalIsVoidOnceTheActiveVersionChanges) {
  RegisterReference("loose@1", 0xee);
  RegisterReference("strict@1", 0xaa);
  for (const char* ref : {"loose@1", "strict@1", "strict@1"}) {
    ASSERT_EQ(
        Call("policy-author", "PUT", kPolicy, PolicyYaml(ref, "model-weights"), "text/yaml").status,
        201);
  }
  ASSERT_TRUE(Effective(ApprovePolicyAs("approver", 1)));
  ASSERT_TRUE(Effective(ApprovePolicyAs("approver", 2)));
  ASSERT_FALSE(Effective(Activate("policy-author", 1)));   // a request to go back to 1
  ASSERT_TRUE(Effective(ApprovePolicyAs("approver", 3)));  // 3 becomes active: request void
  EXPECT_FALSE(Effective(Activate("approver", 1)));        // a new request, one approval
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
}

}  // namespace
}  // namespace kb::api
