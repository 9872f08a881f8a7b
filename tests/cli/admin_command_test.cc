// `keybroker admin` through the built binary: the offline bootstrap and the usage contract
// (exit 2 for usage and connection errors). The online commands run against a live server in
// tests/e2e/admin_walkthrough.sh.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>

#include "api/routes.h"
#include "cli/admin_output.h"
#include "storage/sqlite_audit_log.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::Keybroker;

TEST(AdminCommand, BootstrapCreatesTheFirstAdminsOnlyOnceAndRecordsTheCeremony) {
  std::string db = testing::MakeTempDir() + "/kb.db";
  auto first = Keybroker("admin bootstrap --db " + db + " --admins ann,bo --json");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto j = first.json();
  EXPECT_EQ(j["roles"].as_array().size(), 1u);
  const auto& admins = j["admins"].as_array();
  ASSERT_EQ(admins.size(), 2u);
  EXPECT_EQ(admins[0].as_object().at("principal"), "ann");
  EXPECT_EQ(admins[1].as_object().at("principal"), "bo");
  std::string ann(admins[0].as_object().at("token").as_string());
  std::string bo(admins[1].as_object().at("token").as_string());
  EXPECT_EQ(ann.rfind("kbt_", 0), 0u);
  EXPECT_NE(ann, bo);
  auto second = Keybroker("admin bootstrap --db " + db + " --admins other");
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.json()["error"], "conflict");
  EXPECT_EQ(Keybroker("admin bootstrap --db " + db + "x --roles root").exit_code, 2);
  EXPECT_EQ(Keybroker("admin bootstrap --db " + db + "y --admins a,a").exit_code, 2);

  // The ceremony is one audit row naming the admins and their token ids, never the tokens.
  auto opened = storage::Database::Open(db);
  ASSERT_TRUE(opened);
  storage::SqliteAuditLog audit(**opened);
  auto rows = audit.Read(0, 100);
  ASSERT_TRUE(rows);
  ASSERT_FALSE(rows->empty());
  const storage::AuditRecord& last = rows->back();
  EXPECT_EQ(last.action, "admin.bootstrap");
  EXPECT_EQ(last.actor, "bootstrap");
  EXPECT_NE(last.reasons.find("ann (token " + ann.substr(4, 16) + ")"), std::string::npos)
      << last.reasons;
  EXPECT_NE(last.reasons.find("bo (token"), std::string::npos);
  for (const auto& row : *rows) EXPECT_EQ(row.reasons.find(ann.substr(21)), std::string::npos);
}

TEST(AdminCommand, UsageAndConnectionErrorsExitTwo) {
  EXPECT_EQ(Keybroker("admin").exit_code, 2);
  EXPECT_EQ(Keybroker("admin keys frob x").exit_code, 2);
  EXPECT_EQ(Keybroker("admin policies approve p").exit_code, 2);  // --version missing
  EXPECT_EQ(Keybroker("admin bootstrap").exit_code, 2);           // --db missing
  EXPECT_EQ(Keybroker("admin whoami --url https://127.0.0.1:1 --token t").exit_code, 2);
  EXPECT_EQ(Keybroker("admin references create --file /nonexistent").exit_code, 2);
}

// Every admin route of the table is a command: given its ARG and options, it gets as far as
// connecting (exit 2, the connection refused). `policies put` parses its file first.
TEST(AdminCommand, EveryAdminRouteIsACommand) {
  std::string file = testing::MakeTempDir() + "/input";
  std::ofstream(file) << "{x}";  // neither base64 nor a policy
  const std::string options =
      " --url https://127.0.0.1:1 --token t --roles admin --version 1 "
      "--key-id k --operations Encrypt --attestation-required true --file " +
      file + " --evidence " + file;
  int commands = 0;
  for (const api::RouteEntry& route : api::RouteTable()) {
    if (route.surface != api::Surface::kAdmin) continue;
    ++commands;
    std::string arg = route.cli_arg.empty() ? "" : " x";
    auto run = testing::KeybrokerStreams("admin " + std::string(route.cli_words) + arg + options);
    EXPECT_EQ(run.exit_code, 2) << route.cli_words;
    std::string expected = route.cli_words == "policies put" ? file + ": " : "connect ";
    EXPECT_NE(run.err.find(expected), std::string::npos) << route.cli_words << ": " << run.err;
  }
  EXPECT_EQ(commands, 53);
}

TEST(AdminOutput, TablesForListsAndLinesForObjects) {
  auto list = boost::json::parse(
                  R"({"keys": [{"id": "a", "enabled": true, "note": ""},
                               {"id": "bbbb", "enabled": false, "note": ""}]})")
                  .as_object();
  EXPECT_EQ(FormatForPeople(list), "ID    ENABLED\na     true\nbbbb  false\n");
  auto one = boost::json::parse(R"({"name": "r", "approval": {"approvals": ["x", "y"]},
                                    "expires_at": null})")
                 .as_object();
  EXPECT_EQ(FormatForPeople(one), "name: r\napproval.approvals: x,y\nexpires_at: -\n");
  EXPECT_EQ(FormatForPeople(boost::json::parse(R"({"rows": []})").as_object()), "(none)\n");
}

}  // namespace
}  // namespace kb::cli
