// Issue 16, path 3: the bootstrap directory against the admin API. The files are loaded as
// `serve` loads them at start-up (a restart is another LoadBootstrapDir over the same database);
// what the API decided later (an approved version, a deactivation) is never replaced by them.

#include <filesystem>
#include <fstream>

#include "api/admin_api.h"
#include "cli/bootstrap.h"
#include "common/encoding.h"
#include "tests/support/admin_server.h"

namespace kb::api {
namespace {

using testing::AdminServer;
using testing::kT;

constexpr char kPolicy[] = "/v1/admin/policies/weights";

class BootstrapDirTest : public AdminServer {
 protected:
  void SetUp() override {
    AdminServer::SetUp();
    ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", kT));
    bootstrap_ = dir_ + "/bootstrap";
    std::filesystem::create_directory(bootstrap_);
    // The file admits the build 0xee, by value.
    std::ofstream(bootstrap_ + "/weights.yaml")
        << "name: weights\nkeys: [model-weights]\nplatform: nitro-enclave\n"
           "freshness: {max_age: 300s, nonce: required}\nallow:\n  - pcrs: {0: \""
        << HexEncode(Bytes(48, 0xee)) << "\"}\n";
    std::ofstream(bootstrap_ + "/strict@1.json") << NitroCliJson(0xaa);
  }
  // What `serve` does at start-up.
  cli::BootstrapReport Restart() {
    auto report = cli::LoadBootstrapDir(
        bootstrap_, {*broker_.policies, *broker_.references, *broker_.audit, *broker_.unit_of_work},
        kT);
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : cli::BootstrapReport{};
  }
  std::string bootstrap_;
};

TEST_F(BootstrapDirTest, EveryChangeIsAnAuditRowOfTheBootstrapPrincipal) {
  auto report = Restart();
  EXPECT_EQ(report.policies_activated, 1);
  EXPECT_EQ(report.references_added, 1);
  EXPECT_EQ(Release("model-weights", 0xee).status, 200);
  auto rows = broker_.audit->Read(0, 100);
  ASSERT_TRUE(rows);
  int by_bootstrap = 0;
  for (const auto& row : *rows) {
    if (row.actor != "bootstrap") continue;
    ++by_bootstrap;
    EXPECT_TRUE(row.action == "policy.put" || row.action == "reference.create") << row.action;
  }
  EXPECT_EQ(by_bootstrap, 2);
  // Unchanged files change nothing, and write nothing.
  report = Restart();
  EXPECT_EQ(report.policies_activated + report.references_added, 0);
  EXPECT_EQ(broker_.audit->Read(0, 100)->size(), rows->size());
}

// The attack: on every restart the file's text replaced a version that two principals had
// approved through the API, re-admitting the build they had moved away from.
TEST_F(BootstrapDirTest, TheFileNeverReplacesAVersionTheApiApprovedLater) {
  Restart();
  ASSERT_EQ(
      Call("policy-author", "PUT", kPolicy, PolicyYaml("strict@1", "model-weights"), "text/yaml")
          .status,
      201);
  ASSERT_EQ(Call("approver", "POST", std::string(kPolicy) + "/approve", R"({"version": 2})").status,
            200);
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
  auto report = Restart();
  EXPECT_EQ(report.policies_activated, 0);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("policy weights skipped"), std::string::npos)
      << report.warnings[0];
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
  EXPECT_EQ(Release("model-weights", 0xaa).status, 200);
}

TEST_F(BootstrapDirTest, ADeactivationThroughTheApiStays) {
  Restart();
  ASSERT_EQ(Call("policy-author", "POST", std::string(kPolicy) + "/deactivate").status, 200);
  auto report = Restart();
  EXPECT_EQ(report.policies_activated, 0);
  EXPECT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
}

// Rolling back to an older version of the file's policy, through the API with the quorum, is
// not undone by the next start either.
TEST_F(BootstrapDirTest, ARollbackThroughTheApiStays) {
  Restart();
  std::ofstream(bootstrap_ + "/weights.yaml")
      << "name: weights\nkeys: [model-weights]\nplatform: nitro-enclave\n"
         "freshness: {max_age: 300s, nonce: required}\nallow:\n  - reference: strict@1\n";
  ASSERT_EQ(Restart().policies_activated, 1);  // version 2, from the file
  EXPECT_EQ(Code(Release("model-weights", 0xee)), "policy_denied");
  for (const char* who : {"policy-author", "approver"}) {
    ASSERT_EQ(Call(who, "POST", std::string(kPolicy) + "/activate", R"({"version": 1})").status,
              200);
  }
  EXPECT_EQ(Release("model-weights", 0xee).status, 200);
  auto report = Restart();
  EXPECT_EQ(report.policies_activated, 0);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("older version"), std::string::npos) << report.warnings[0];
  EXPECT_EQ(Release("model-weights", 0xee).status, 200);
}

// Audit rows of the principal "bootstrap" are the directory's: no principal may take the name.
TEST_F(BootstrapDirTest, NoPrincipalMayCallItselfBootstrap) {
  for (const char* name : {"bootstrap", "keybroker", "attested:i-0abc"}) {
    auto made = Call("admin", "POST", "/v1/admin/principals",
                     R"({"name": ")" + std::string(name) + R"(", "roles": ["approver"]})");
    EXPECT_EQ(Code(made), "malformed_request") << name << " " << made.body;
  }
}

}  // namespace
}  // namespace kb::api
