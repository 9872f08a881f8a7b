// The admin API over real TLS against a broker assembled as `serve` does: authentication,
// the role matrix, the two-person rule, policy versions and the audit trail.

#include "api/admin_api.h"

#include "tests/support/admin_server.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::AdminServer;

constexpr char kRefs[] = "/v1/admin/references";

class AdminApiTest : public AdminServer {
 protected:
  // policy-author proposes enclave@1 (PCRs 0xaa) from nitro-cli JSON; `approver` approves.
  void RegisterReference(const std::string& name = "enclave@1", uint8_t pcr = 0xaa) {
    auto created =
        Call("policy-author", "POST", std::string(kRefs) + "?name=" + name, NitroCliJson(pcr));
    ASSERT_EQ(created.status, 201) << created.body;
    auto approved = Call("approver", "POST", std::string(kRefs) + "/" + name + "/approve");
    ASSERT_EQ(approved.status, 200) << approved.body;
  }
  // The weights policy over `reference` for `key`, as a new version, approved.
  int PutApprovedPolicy(const std::string& reference, const std::string& key) {
    auto put = Call("policy-author", "PUT", "/v1/admin/policies/weights",
                    PolicyYaml(reference, key), "text/yaml");
    EXPECT_EQ(put.status, 201) << put.body;
    int version = int(Json(put)["version"].as_int64());
    auto approved = Call("approver", "POST", "/v1/admin/policies/weights/approve",
                         R"({"version": )" + std::to_string(version) + "}");
    EXPECT_EQ(approved.status, 200) << approved.body;
    return version;
  }
  std::vector<std::string> AuditActions() {
    auto rows = Json(Call("auditor", "GET", "/v1/admin/audit?limit=1000"));
    std::vector<std::string> out;
    for (const auto& row : rows["rows"].as_array()) {
      out.push_back(std::string(row.as_object().at("actor").as_string()) + " " +
                    std::string(row.as_object().at("action").as_string()));
    }
    return out;
  }
};

TEST_F(AdminApiTest, EveryAdminCallNeedsAValidToken) {
  EXPECT_EQ(Call("", "GET", "/v1/admin/whoami").status, 401);
  EXPECT_EQ(Code(Call("", "GET", "/v1/admin/no-such-route")), "unauthorized");  // no probing
  EXPECT_EQ(Call("kbt_0000000000000000_" + std::string(64, '0'), "GET", "/v1/admin/whoami").status,
            401);
  std::string tampered = tokens_["admin"];
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(Call(tampered, "GET", "/v1/admin/whoami").status, 401);
  auto me = Json(Call("admin", "GET", "/v1/admin/whoami"));
  EXPECT_EQ(me["principal"], "admin");
  EXPECT_EQ(Call("admin", "GET", "/v1/admin/no-such-route").status, 404);
  EXPECT_EQ(Call("admin", "DELETE", "/v1/admin/whoami").status, 405);
}

TEST_F(AdminApiTest, TokensExpireAndAreRevocable) {
  // A principal issues its own tokens alone.
  auto issued =
      Json(Call("auditor", "POST", "/v1/admin/principals/auditor/tokens", R"({"ttl": "60s"})"));
  EXPECT_EQ(issued["approval"].as_object().at("effective"), true);
  std::string token(issued["token"].as_string()), id(issued["id"].as_string());
  EXPECT_EQ(Call(token, "GET", "/v1/admin/whoami").status, 200);
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(Call(token, "GET", "/v1/admin/whoami").status, 401);

  std::string id2(
      Json(Call("admin", "POST", "/v1/admin/principals/auditor/tokens"))["id"].as_string());
  auto listed = Json(Call("admin", "GET", "/v1/admin/tokens"));
  EXPECT_EQ(listed["tokens"].as_array().size(), 9u);  // seven fixtures, two here
  EXPECT_EQ(listed.at("tokens").as_array()[0].as_object().count("token"), 0u);  // never again
  EXPECT_EQ(Call("admin", "POST", "/v1/admin/tokens/" + id2 + "/revoke").status, 200);
  EXPECT_EQ(Call("admin", "POST", "/v1/admin/tokens/nope/revoke").status, 404);
  EXPECT_EQ(Call("admin", "POST", "/v1/admin/principals/nobody/tokens").status, 404);
  EXPECT_EQ(Code(Call("admin", "POST", "/v1/admin/principals/auditor/tokens", R"({"ttl": "x"})")),
            "malformed_request");
  (void)id;
}

TEST_F(AdminApiTest, ADisabledPrincipalLosesEveryToken) {
  std::string second(
      Json(Call("auditor", "POST", "/v1/admin/principals/auditor/tokens"))["token"].as_string());
  EXPECT_EQ(Call(second, "GET", "/v1/admin/whoami").status, 200);
  EXPECT_EQ(Call("admin", "POST", "/v1/admin/principals/auditor/disable").status, 200);
  EXPECT_EQ(Code(Call("auditor", "GET", "/v1/admin/whoami")), "unauthorized");
  EXPECT_EQ(Code(Call(second, "GET", "/v1/admin/whoami")), "unauthorized");
  // Tokens issued later are dead too, even once approved.
  auto later = Json(Call("admin", "POST", "/v1/admin/principals/auditor/tokens"));
  std::string later_id(later["id"].as_string());
  EXPECT_EQ(Call("admin2", "POST", "/v1/admin/tokens/" + later_id + "/approve").status, 200);
  EXPECT_EQ(Code(Call(std::string(later["token"].as_string()), "GET", "/v1/admin/whoami")),
            "unauthorized");
  EXPECT_EQ(Code(Call("admin", "POST", "/v1/admin/principals/admin/disable")), "conflict");
  EXPECT_EQ(Call("admin", "POST", "/v1/admin/principals/nobody/disable").status, 404);
  auto listed = Json(Call("admin", "GET", "/v1/admin/principals"))["principals"].as_array();
  for (const auto& p : listed) {
    bool disabled = !p.as_object().at("disabled_at").is_null();
    EXPECT_EQ(disabled, p.as_object().at("name") == "auditor");
  }
}

TEST_F(AdminApiTest, PrincipalsNeedKnownRolesAndUniqueNames) {
  auto made = Call("admin", "POST", "/v1/admin/principals",
                   R"({"name": "carol", "roles": ["approver", "auditor"]})");
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(
      Call("admin", "POST", "/v1/admin/principals", R"({"name": "carol", "roles": ["auditor"]})")
          .status,
      409);
  for (const char* bad : {R"({"name": "dave", "roles": ["root"]})", R"({"name": "dave"})",
                          R"({"name": "dave", "roles": []})", R"({"name": "", "roles": ["admin"]})",
                          R"({"name": "dave", "roles": ["admin"], "x": 1})", "[]", "{"}) {
    EXPECT_EQ(Code(Call("admin", "POST", "/v1/admin/principals", bad)), "malformed_request") << bad;
  }
  auto listed = Json(Call("auditor", "GET", "/v1/admin/principals"))["principals"].as_array();
  EXPECT_EQ(listed.size(), 8u);  // seven fixtures and carol, who waits for a second admin
  for (const auto& p : listed) {
    EXPECT_EQ(p.as_object().at("approved"), p.as_object().at("name") != "carol");
  }
}

// Each role against each route: 403 exactly when the role is not among the route's.
// Routes every role may call for itself; for another principal they need admin (403 otherwise).
bool IsSelfService(const AdminRoute& route) {
  return route.pattern == "/v1/admin/principals/{name}/tokens" ||
         route.pattern == "/v1/admin/tokens/{id}/revoke" ||
         route.pattern == "/v1/admin/principals/{name}/client-certificates" ||
         route.pattern == "/v1/admin/client-certificates/{id}/revoke";
}

TEST_F(AdminApiTest, RoleMatrix) {
  int checked = 0;
  for (const AdminRoute& route : AdminRouteTable()) {
    std::string target(route.pattern);
    for (size_t open; (open = target.find('{')) != std::string::npos;) {
      target.replace(open, target.find('}') - open + 1, "x");
    }
    for (const char* role : {"admin", "key-manager", "policy-author", "approver", "auditor"}) {
      bool allowed = (route.allowed & *broker::ParseRoles({role})) != 0;
      auto r = Call(role, std::string(route.method), target);
      if (IsSelfService(route) && std::string(role) != "admin") {
        EXPECT_EQ(Code(r), "forbidden") << role << " " << route.pattern;  // "x" is not `role`
      } else if (allowed) {
        EXPECT_NE(r.status, 403) << role << " " << route.method << " " << route.pattern;
        EXPECT_NE(r.status, 401) << role << " " << route.method << " " << route.pattern;
      } else {
        EXPECT_EQ(r.status, 403) << role << " " << route.method << " " << route.pattern;
        EXPECT_EQ(Code(r), "forbidden");
      }
      ++checked;
    }
    // Auditors change nothing but their own tokens: they may only read, and dry-run.
    if ((route.allowed & *broker::ParseRoles({"auditor"})) && !IsSelfService(route)) {
      EXPECT_TRUE(route.method == "GET" || route.pattern.ends_with(":evaluate")) << route.pattern;
    }
  }
  EXPECT_EQ(checked, int(AdminRouteTable().size()) * 5);
}

TEST_F(AdminApiTest, ANewReferenceNeedsASecondPrincipal) {
  AddPrincipal("author-approver", {"policy-author", "approver"});
  auto created =
      Call("author-approver", "POST", std::string(kRefs) + "?name=enclave@1", NitroCliJson());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Json(created)["status"], "pending");
  PutApprovedPolicy("enclave@1", "model-weights");
  ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", testing::kT));
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");  // pending: does not match

  // The same principal twice is not two.
  auto again = Call("author-approver", "POST", std::string(kRefs) + "/enclave@1/approve");
  EXPECT_EQ(again.status, 409) << again.body;
  auto pending = Json(Call("auditor", "GET", "/v1/admin/pending"));
  ASSERT_EQ(pending["pending"].as_array().size(), 1u);
  EXPECT_EQ(pending["pending"].as_array()[0].as_object().at("name"), "enclave@1");

  auto approved = Json(Call("approver", "POST", std::string(kRefs) + "/enclave@1/approve"));
  EXPECT_EQ(approved["approval"].as_object().at("effective"), true);
  EXPECT_EQ(Release("model-weights").status, 200);
  EXPECT_EQ(Call("approver2", "POST", std::string(kRefs) + "/enclave@1/approve").status, 409);

  // Revocation is one principal's decision, and immediate.
  EXPECT_EQ(Call("policy-author", "POST", std::string(kRefs) + "/enclave@1/revoke").status, 200);
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");
  // Reversing it needs the quorum again, from fresh approvals.
  auto reinstated = Call("author-approver", "POST", std::string(kRefs) + "/enclave@1/reinstate");
  EXPECT_EQ(Json(reinstated)["approval"].as_object().at("effective"), false) << reinstated.body;
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");
  EXPECT_EQ(Call("author-approver", "POST", std::string(kRefs) + "/enclave@1/approve").status, 409);
  EXPECT_EQ(Call("approver", "POST", std::string(kRefs) + "/enclave@1/approve").status, 200);
  EXPECT_EQ(Release("model-weights").status, 200);
  EXPECT_EQ(Call("policy-author", "POST", std::string(kRefs) + "/enclave@1/reinstate").status,
            409);  // not revoked
}

TEST_F(AdminApiTest, ReferencesFromEveryInputShapeAndTheirErrors) {
  std::string yaml = "name: tpm-host\nplatform: nitro-tpm\npcrs: {4: \"" + HexEncode(Bytes(48, 1)) +
                     "\", 7: \"" + HexEncode(Bytes(48, 2)) + "\"}\n";
  EXPECT_EQ(Call("policy-author", "POST", kRefs, yaml, "text/yaml").status, 201);
  EXPECT_EQ(Call("policy-author", "POST", kRefs, yaml, "text/yaml").status, 409);
  EXPECT_EQ(
      Call("policy-author", "POST", std::string(kRefs) + "?name=e%402", NitroCliJson()).status,
      201);
  auto got = Json(Call("auditor", "GET", std::string(kRefs) + "/e%402"));
  EXPECT_EQ(got["name"], "e@2");
  EXPECT_EQ(got["platform"], "nitro-enclave");
  EXPECT_EQ(got["pcrs"].as_object().size(), 3u);
  EXPECT_EQ(Call("auditor", "GET", std::string(kRefs) + "/nope").status, 404);
  EXPECT_EQ(Code(Call("policy-author", "POST", kRefs, NitroCliJson())), "malformed_request");
  EXPECT_EQ(Code(Call("policy-author", "POST", kRefs, "name: x\nplatform: tpm\n", "text/yaml")),
            "malformed_request");
  EXPECT_EQ(Code(Call("policy-author", "POST", kRefs, "x", "text/plain")), "malformed_request");
  EXPECT_EQ(Code(Call("policy-author", "POST", kRefs, std::string(70000, '#'), "text/yaml")),
            "payload_too_large");
  // nitro-tpm without PCR7 or PCR12 (GHSA-xrv8-2pf5-f3q7).
  std::string weak =
      "name: weak\nplatform: nitro-tpm\npcrs: {4: \"" + HexEncode(Bytes(48, 1)) + "\"}\n";
  EXPECT_EQ(Code(Call("policy-author", "POST", kRefs, weak, "text/yaml")), "malformed_request");
  EXPECT_EQ(Json(Call("key-manager", "GET", kRefs))["references"].as_array().size(), 2u);
}

TEST_F(AdminApiTest, PolicyVersionsActivateOnlyWithTheirApprovals) {
  RegisterReference("enclave@1", 0xaa);
  RegisterReference("enclave@2", 0xbb);
  ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", testing::kT));
  auto v1 =
      Call("policy-author", "PUT", "/v1/admin/policies/weights",
           json::serialize(json::object{{"source", PolicyYaml("enclave@1", "model-weights")}}));
  ASSERT_EQ(v1.status, 201) << v1.body;
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");  // v1 awaits its approval
  EXPECT_EQ(Code(Call("policy-author", "POST", "/v1/admin/policies/weights/activate",
                      R"({"version": 1})")),
            "conflict");
  ASSERT_EQ(
      Call("approver", "POST", "/v1/admin/policies/weights/approve", R"({"version": 1})").status,
      200);
  EXPECT_EQ(Release("model-weights").status, 200);

  auto v2 = Call("policy-author", "PUT", "/v1/admin/policies/weights",
                 PolicyYaml("enclave@2", "model-weights"), "text/yaml");
  EXPECT_EQ(Json(v2)["version"], 2);
  EXPECT_EQ(Release("model-weights").status, 200);  // v1 stays active meanwhile
  EXPECT_EQ(Release("model-weights", 0xbb).status, 403);
  ASSERT_EQ(
      Call("approver", "POST", "/v1/admin/policies/weights/approve", R"({"version": 2})").status,
      200);
  EXPECT_EQ(Release("model-weights", 0xbb).status, 200);
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");

  // Roll back to the approved version 1: that needs the quorum too.
  auto requested =
      Call("policy-author", "POST", "/v1/admin/policies/weights/activate", R"({"version": 1})");
  EXPECT_EQ(Json(requested)["approval"].as_object().at("effective"), false) << requested.body;
  EXPECT_EQ(Code(Release("model-weights")), "policy_denied");  // version 2 still rules
  auto approved =
      Call("approver", "POST", "/v1/admin/policies/weights/activate", R"({"version": 1})");
  EXPECT_EQ(Json(approved)["approval"].as_object().at("effective"), true) << approved.body;
  EXPECT_EQ(Release("model-weights").status, 200);
  auto versions = Json(Call("auditor", "GET", "/v1/admin/policies/weights/versions"));
  ASSERT_EQ(versions["versions"].as_array().size(), 2u);
  EXPECT_EQ(versions["versions"].as_array()[0].as_object().at("active"), true);
  auto current = Json(Call("auditor", "GET", "/v1/admin/policies/weights"));
  EXPECT_EQ(current["version"], 1);
  EXPECT_NE(std::string(current["source"].as_string()).find("enclave@1"), std::string::npos);
  EXPECT_EQ(Json(Call("auditor", "GET", "/v1/admin/policies/weights?version=2"))["version"], 2);
  EXPECT_EQ(Call("auditor", "GET", "/v1/admin/policies/weights?version=9").status, 404);
  EXPECT_EQ(Code(Call("auditor", "GET", "/v1/admin/policies/weights?version=0")),
            "malformed_request");
  EXPECT_EQ(Call("auditor", "GET", "/v1/admin/policies/nope").status, 404);
}

TEST_F(AdminApiTest, PolicyInputErrors) {
  auto put = [&](const std::string& path, const std::string& body,
                 const std::string& type = "text/yaml") {
    return Call("policy-author", "PUT", "/v1/admin/policies/" + path, body, type);
  };
  EXPECT_EQ(Code(put("other", PolicyYaml("r", "k"))), "malformed_request");  // names itself
  auto bad = put("weights", "name: weights\nkeys: [k]\nplatform: nitro-enclave\nallow: 7\n");
  EXPECT_EQ(Code(bad), "malformed_request");
  EXPECT_NE(Json(bad)["message"].as_string().find("line"), std::string::npos) << bad.body;
  EXPECT_EQ(Code(put("weights", R"({"yaml": "x"})", "application/json")), "malformed_request");
  EXPECT_EQ(Code(put("weights", std::string(70000, '#'))), "payload_too_large");
  EXPECT_EQ(Code(Call("approver", "POST", "/v1/admin/policies/weights/approve", "{}")),
            "malformed_request");
  EXPECT_EQ(
      Code(Call("approver", "POST", "/v1/admin/policies/weights/approve", R"({"version": 3})")),
      "not_found");
}

TEST_F(AdminApiTest, EveryChangeIsAnAuditRowWithItsPrincipal) {
  RegisterReference();
  PutApprovedPolicy("enclave@1", "model-weights");
  Call("key-manager", "POST", "/v1/admin/keys", R"({"id": "model-weights"})");
  Call("policy-author", "POST", std::string(kRefs) + "/enclave@1/revoke");
  auto actions = AuditActions();
  for (const char* expected :
       {"policy-author reference.create", "approver reference.approve", "policy-author policy.put",
        "approver policy.approve", "key-manager key.create", "policy-author reference.revoke"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), expected), actions.end()) << expected;
  }
  auto verified = Json(Call("auditor", "GET", "/v1/admin/audit/verify"));
  EXPECT_EQ(verified["ok"], true);
  EXPECT_EQ(verified["rows"].as_int64(), int64_t(actions.size()));
  auto page = Json(Call("auditor", "GET", "/v1/admin/audit?after=2&limit=3"));
  ASSERT_EQ(page["rows"].as_array().size(), 3u);
  EXPECT_EQ(page["rows"].as_array()[0].as_object().at("seq"), "3");
  EXPECT_EQ(Code(Call("auditor", "GET", "/v1/admin/audit?limit=5000")), "malformed_request");
  EXPECT_EQ(Code(Call("auditor", "GET", "/v1/admin/audit?after=-1")), "malformed_request");
}

}  // namespace
}  // namespace kb::api
