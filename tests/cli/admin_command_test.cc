// `keybroker admin` through the built binary: the offline bootstrap and the usage contract
// (exit 2 for usage and connection errors). The online commands run against a live server in
// tests/e2e/admin_walkthrough.sh.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "cli/admin_output.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::Keybroker;

TEST(AdminCommand, BootstrapCreatesTheFirstAdminOnlyOnce) {
  std::string db = testing::MakeTempDir() + "/kb.db";
  auto first = Keybroker("admin bootstrap --db " + db + " --roles admin,auditor --json");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto j = first.json();
  EXPECT_EQ(j["principal"], "admin");
  EXPECT_EQ(j["roles"].as_array().size(), 2u);
  EXPECT_EQ(std::string(j["token"].as_string()).rfind("kbt_", 0), 0u);
  auto second = Keybroker("admin bootstrap --db " + db + " --principal other");
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.json()["error"], "conflict");
  EXPECT_EQ(Keybroker("admin bootstrap --db " + db + "x --roles root").exit_code, 2);
}

TEST(AdminCommand, UsageAndConnectionErrorsExitTwo) {
  EXPECT_EQ(Keybroker("admin").exit_code, 2);
  EXPECT_EQ(Keybroker("admin help").exit_code, 2);
  EXPECT_EQ(Keybroker("admin keys frob x").exit_code, 2);
  EXPECT_EQ(Keybroker("admin policies approve p").exit_code, 2);  // --version missing
  EXPECT_EQ(Keybroker("admin bootstrap").exit_code, 2);           // --db missing
  EXPECT_EQ(Keybroker("admin whoami --url https://127.0.0.1:1 --token t").exit_code, 2);
  EXPECT_EQ(Keybroker("admin references create --file /nonexistent").exit_code, 2);
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
