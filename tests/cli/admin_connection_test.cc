// `keybroker admin`, `challenge` and `release` against a real broker over loopback TLS: the
// KEYBROKER_URL, KEYBROKER_CA and KEYBROKER_TOKEN variables (flags win), the hint when the
// broker's certificate does not verify, and the broker's messages for a missing role and an
// unknown role.

#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/support/admin_server.h"
#include "tests/support/cli_runner.h"

namespace kb::cli {
namespace {

using testing::KeybrokerStreams;

// Sets environment variables for the commands a test runs, and removes them after.
class ScopedEnvironment {
 public:
  ScopedEnvironment(std::initializer_list<std::pair<const char*, std::string>> variables) {
    for (const auto& [name, value] : variables) {
      ::setenv(name, value.c_str(), 1);
      names_.push_back(name);
    }
  }
  ~ScopedEnvironment() {
    for (const char* name : names_) ::unsetenv(name);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::vector<const char*> names_;
};

class AdminConnection : public testing::AdminServer {
 protected:
  std::string Ca() const { return dir_ + "/cert.pem"; }
};

TEST_F(AdminConnection, TheEnvironmentNamesTheBrokerItsCaAndTheToken) {
  ScopedEnvironment env{
      {"KEYBROKER_URL", url_}, {"KEYBROKER_CA", Ca()}, {"KEYBROKER_TOKEN", tokens_["auditor"]}};
  auto whoami = KeybrokerStreams("admin whoami --json");
  ASSERT_EQ(whoami.exit_code, 0) << whoami.err;
  EXPECT_EQ(whoami.json()["principal"], "auditor") << whoami.out;
  auto challenge = KeybrokerStreams("challenge");
  ASSERT_EQ(challenge.exit_code, 0) << challenge.err;
  EXPECT_EQ(challenge.json()["nonce"].as_string().size(), 64u);
}

TEST_F(AdminConnection, FlagsOverrideTheEnvironment) {
  ScopedEnvironment env{{"KEYBROKER_URL", "https://127.0.0.1:1"},
                        {"KEYBROKER_CA", "/nonexistent/ca.pem"},
                        {"KEYBROKER_TOKEN", "kbt_not_a_token"}};
  EXPECT_EQ(KeybrokerStreams("admin whoami").exit_code, 2);  // the variables are read
  auto run = KeybrokerStreams("admin whoami --json --url " + url_ + " --ca " + Ca() + " --token " +
                              tokens_["admin"]);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.json()["principal"], "admin");
  EXPECT_EQ(KeybrokerStreams("challenge --url " + url_ + " --ca " + Ca()).exit_code, 0);
}

// Without the broker's CA, the handshake fails, and the message says how to trust it.
TEST_F(AdminConnection, AnUntrustedCertificateHintsAtTheCaOption) {
  for (const std::string& command :
       {"admin whoami --token t --url " + url_, "challenge --url " + url_}) {
    auto run = KeybrokerStreams(command);
    EXPECT_EQ(run.exit_code, 2) << command;
    EXPECT_EQ(run.out, "");
    EXPECT_NE(run.err.find("not trusted"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("--ca <data_dir>/tls/cert.pem"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("KEYBROKER_CA"), std::string::npos) << run.err;
  }
}

TEST_F(AdminConnection, ForbiddenNamesTheRolesTheCallNeeds) {
  ScopedEnvironment env{{"KEYBROKER_URL", url_}, {"KEYBROKER_CA", Ca()}};
  auto run = KeybrokerStreams("admin keys create k1 --json --token " + tokens_["approver"]);
  EXPECT_EQ(run.exit_code, 1);
  auto answer = run.json();
  EXPECT_EQ(answer["error"], "forbidden");
  EXPECT_EQ(answer["message"],
            "this call needs one of the roles key-manager; approver has approver");
}

TEST_F(AdminConnection, AnUnknownRoleListsTheRoles) {
  ScopedEnvironment env{{"KEYBROKER_URL", url_}, {"KEYBROKER_CA", Ca()}};
  auto run = KeybrokerStreams("admin principals create bob --roles approvr --json --token " +
                              tokens_["admin"]);
  EXPECT_EQ(run.exit_code, 1);
  auto answer = run.json();
  EXPECT_EQ(answer["error"], "malformed_request");
  EXPECT_EQ(answer["message"],
            "unknown role approvr; the roles are admin, key-manager, policy-author, approver, "
            "auditor, kms-user, xks-proxy");
}

// A token without --ttl never expires (a default could lock the last admins out): the command
// says so, on stderr, and --json output stays one object.
TEST_F(AdminConnection, ATokenWithoutTtlComesWithANotice) {
  ScopedEnvironment env{
      {"KEYBROKER_URL", url_}, {"KEYBROKER_CA", Ca()}, {"KEYBROKER_TOKEN", tokens_["auditor"]}};
  auto forever = KeybrokerStreams("admin tokens create auditor --json");
  ASSERT_EQ(forever.exit_code, 0) << forever.err;
  EXPECT_TRUE(forever.json()["expires_at"].is_null()) << forever.out;
  EXPECT_NE(forever.err.find("never expires"), std::string::npos) << forever.err;
  auto bounded = KeybrokerStreams("admin tokens create auditor --ttl 1h --json");
  ASSERT_EQ(bounded.exit_code, 0) << bounded.err;
  EXPECT_EQ(bounded.err, "");
}

}  // namespace
}  // namespace kb::cli
