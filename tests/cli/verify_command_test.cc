// `keybroker verify` through its real interface: the built binary, its arguments, its stdout and
// exit code (0 verified, 1 rejected with a JSON error, 2 usage or I/O error).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>

#include "common/encoding.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::cli {
namespace {

using testing::CliRun;
using testing::Keybroker;

std::string Vector(const std::string& name) { return testing::VectorPath("nitro/" + name); }
constexpr char kAt8[] = "--at 2026-03-06T11:14:18.051Z";

class VerifyCommand : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir(); }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string dir_;
};

TEST_F(VerifyCommand, PrintsTheClaimsOfAValidDocument) {
  CliRun r = Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") + " " + kAt8);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = r.json();
  EXPECT_EQ(j["module_id"], "i-017338f9d1a9121c5-enc019cc2dad1d358d3");
  EXPECT_EQ(j["timestamp"], "2026-03-06T11:14:18.051Z");
  EXPECT_EQ(j["pcrs"].as_object()["0"],
            "61740291e3b65d2d05678c51b1a51d4d3b3d561930efbd5c0d641464fd20257562331a50511189038b6de1"
            "97b0550680");
}

TEST_F(VerifyCommand, DefaultsToNowAndRejectsTheExpiredLeaf) {
  CliRun r = Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.json()["error"], "certificate_expired");
}

TEST_F(VerifyCommand, AcceptsBase64Evidence) {
  Bytes doc = testing::ReadVector("nitro/nitro-enclave-8.cbor");
  std::string b64 = Base64Encode(doc);
  std::string wrapped;
  for (size_t i = 0; i < b64.size(); i += 76) wrapped += b64.substr(i, 76) + "\n";
  CliRun r = Keybroker("verify --evidence " + Write("doc.b64", wrapped) + " " + kAt8);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(VerifyCommand, RejectsMalformedInputWithExitOne) {
  CliRun bad_b64 = Keybroker("verify --evidence " + Write("bad.b64", "Zh==") + " " + kAt8);
  EXPECT_EQ(bad_b64.exit_code, 1);
  EXPECT_EQ(bad_b64.json()["error"], "malformed_evidence");
  Bytes doc = testing::ReadVector("nitro/nitro-enclave-8.cbor");
  CliRun truncated =
      Keybroker("verify --evidence " +
                Write("t.cbor", std::string(doc.begin(), doc.begin() + 1000)) + " " + kAt8);
  EXPECT_EQ(truncated.exit_code, 1);
  EXPECT_EQ(truncated.json()["error"], "malformed_evidence");
  CliRun empty = Keybroker("verify --evidence " + Write("e.cbor", "") + " " + kAt8);
  EXPECT_EQ(empty.exit_code, 1);
  CliRun huge =
      Keybroker("verify --evidence " + Write("h.cbor", std::string(600000, 'A')) + " " + kAt8);
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_EQ(huge.json()["error"], "payload_too_large");
}

TEST_F(VerifyCommand, ChecksTheNonceAndTheType) {
  std::string tpm =
      "verify --evidence " + Vector("nitro-tpm-1.cbor") + " --at 2026-02-03T10:12:02.437Z";
  CliRun ok = Keybroker(tpm + " --type nitro-tpm");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  std::string nonce(ok.json()["nonce"].as_string());
  EXPECT_EQ(Keybroker(tpm + " --nonce " + nonce).exit_code, 0);
  CliRun wrong = Keybroker(tpm + " --nonce 00" + nonce.substr(2));
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.json()["error"], "nonce_mismatch");
  CliRun type = Keybroker(tpm + " --type nitro-enclave");
  EXPECT_EQ(type.exit_code, 1);
  EXPECT_EQ(type.json()["error"], "malformed_evidence");
}

TEST_F(VerifyCommand, TrustsAnExtraRootOnlyWhenGiven) {
  Time t = *ParseRfc3339("2026-05-01T12:00:00Z");
  auto chain = testing::MakeChain(t);
  Bytes doc = testing::SignDocument(testing::MakeDocumentFields(chain, t), chain.leaf.key.get());
  std::string doc_path = Write("dev.cbor", std::string(doc.begin(), doc.end()));
  std::string root = Write("root.pem", chain.root.CertPem());
  std::string base = "verify --evidence " + doc_path + " --at 2026-05-01T12:00:00Z";
  CliRun untrusted = Keybroker(base);
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_EQ(untrusted.json()["error"], "untrusted_chain");
  EXPECT_EQ(Keybroker(base + " --trust-root " + root).exit_code, 0);
}

TEST_F(VerifyCommand, VerifiesATpm2QuoteWithItsAttestationKey) {
  std::string evidence = " --evidence " + testing::VectorPath("tpm2/quote-ecc.json");
  std::string ak = " --ak " + testing::VectorPath("tpm2/ak-ecc.tpm2b");
  CliRun ok = Keybroker("verify --type tpm2-quote" + ak + evidence);
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  auto j = ok.json();
  EXPECT_EQ(j["platform"], "tpm2-quote");
  EXPECT_EQ(j["pcrs"].as_object().size(), 3u);
  EXPECT_TRUE(j["tpm"].as_object()["safe"].as_bool());
  EXPECT_EQ(
      Keybroker("verify" + ak + evidence + " --nonce 00112233445566778899aabbccddeeff").exit_code,
      0);  // --type auto recognises the JSON form
  CliRun wrong_ak =
      Keybroker("verify" + evidence + " --ak " + testing::VectorPath("tpm2/ak-rsa.tpm2b"));
  EXPECT_EQ(wrong_ak.exit_code, 1);
  EXPECT_EQ(wrong_ak.json()["error"], "bad_signature");
  CliRun wrong_nonce = Keybroker("verify" + ak + evidence + " --nonce 00");
  EXPECT_EQ(wrong_nonce.json()["error"], "nonce_mismatch");
  EXPECT_EQ(Keybroker("verify --type tpm2-quote" + evidence).exit_code, 2);  // no --ak
  // A PEM AK proves nothing about the key (it may be an ordinary signing key): refused.
  EXPECT_EQ(
      Keybroker("verify" + evidence + " --ak " + testing::VectorPath("tpm2/ak-ecc.pem")).exit_code,
      2);
  EXPECT_EQ(Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") + ak).exit_code, 2);
}

// Issue 15, attack 1: a swtpm quote over sha256:0+sha256:0 reporting an invented PCR7.
TEST_F(VerifyCommand, RefusesAQuoteWhoseSelectionRepeatsABank) {
  CliRun r = Keybroker("verify --type tpm2-quote --ak " +
                       testing::VectorPath("tpm2/ak-repeated-bank.tpm2b") + " --evidence " +
                       testing::VectorPath("tpm2/quote-repeated-bank.json"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.json()["error"], "malformed_evidence") << r.out;
  EXPECT_EQ(r.out.find("7777"), std::string::npos) << "the invented PCR7 was printed: " << r.out;
}

TEST_F(VerifyCommand, UsageAndIoErrorsExitTwo) {
  EXPECT_EQ(Keybroker("verify").exit_code, 2);
  EXPECT_EQ(Keybroker("verify --evidence /nonexistent/doc").exit_code, 2);
  EXPECT_EQ(Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") + " --at yesterday")
                .exit_code,
            2);
  EXPECT_EQ(
      Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") + " --type sgx").exit_code,
      2);
  EXPECT_EQ(
      Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") + " --nonce xyz").exit_code,
      2);
  EXPECT_EQ(Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") + " --bogus").exit_code,
            2);
  EXPECT_EQ(Keybroker("verify --evidence " + Vector("nitro-enclave-8.cbor") +
                      " --trust-root /nonexistent")
                .exit_code,
            2);
  EXPECT_EQ(Keybroker("nosuchcommand").exit_code, 2);
  EXPECT_EQ(Keybroker("").exit_code, 2);
}

}  // namespace
}  // namespace kb::cli
