// `keybroker dev-attest` makes documents that `keybroker verify` accepts only when the
// development root is trusted explicitly.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::Keybroker;

class DevAttestCommand : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir(); }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Attest(const std::string& platform, const std::string& extra = "") {
    return "dev-attest --platform " + platform + " --ca-dir " + dir_ + "/ca --out " + dir_ +
           "/doc.cbor" + extra;
  }
  std::string ReadRoot() {
    std::ifstream in(dir_ + "/ca/root.pem");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string dir_;
};

TEST_F(DevAttestCommand, SignsDocumentsThatVerifyUnderTheDevelopmentRoot) {
  std::string pcr0 = std::string(96, 'a');
  ASSERT_EQ(Keybroker(Attest("nitro-enclave", " --pcr 0=" + pcr0 + " --nonce 0102 --user-data ff"))
                .exit_code,
            0);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/ca/root.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto verified = Keybroker("verify --evidence " + dir_ + "/doc.cbor --trust-root " + dir_ +
                            "/ca/root.pem --nonce 0102");
  ASSERT_EQ(verified.exit_code, 0) << verified.out;
  auto j = verified.json();
  EXPECT_EQ(std::string(j["pcrs"].as_object()["0"].as_string()), pcr0);
  EXPECT_EQ(j["user_data"], "ff");
  auto untrusted = Keybroker("verify --evidence " + dir_ + "/doc.cbor");
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_EQ(untrusted.json()["error"], "untrusted_chain");
}

TEST_F(DevAttestCommand, ReusesItsCaAndMakesNitroTpmDocuments) {
  ASSERT_EQ(Keybroker(Attest("nitro-enclave")).exit_code, 0);
  std::string root = ReadRoot();
  ASSERT_EQ(Keybroker(Attest("nitro-tpm", " --pcr 12=" + std::string(96, '0'))).exit_code, 0);
  EXPECT_EQ(ReadRoot(), root);
  auto verified = Keybroker("verify --type nitro-tpm --evidence " + dir_ +
                            "/doc.cbor --trust-root " + dir_ + "/ca/root.pem");
  ASSERT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_EQ(verified.json()["pcrs"].as_object().size(), 24u);
}

TEST_F(DevAttestCommand, RefusesBadArguments) {
  EXPECT_EQ(Keybroker(Attest("sgx")).exit_code, 2);
  EXPECT_EQ(Keybroker(Attest("nitro-enclave", " --pcr 0=abc")).exit_code, 2);
  EXPECT_EQ(Keybroker(Attest("nitro-enclave", " --pcr 16=" + std::string(96, 'a'))).exit_code, 2);
  EXPECT_EQ(Keybroker(Attest("nitro-enclave", " --nonce zz")).exit_code, 2);
  EXPECT_EQ(Keybroker(Attest("nitro-enclave", " --public-key /nonexistent")).exit_code, 2);
  EXPECT_EQ(Keybroker("dev-attest --platform nitro-enclave").exit_code, 2);
}

}  // namespace
}  // namespace kb::cli
