#include "policy/reference_import.h"

#include <gtest/gtest.h>

namespace kb::policy {
namespace {

const std::string kH(96, 'a');

TEST(ReferenceImport, ReadsNitroCliBuildEnclaveOutput) {
  auto r = ImportReference(R"({"Measurements": {"HashAlgorithm": "Sha384 { ... }",
      "PCR0": ")" + kH + R"(", "PCR1": ")" +
                               kH + R"(", "PCR2": ")" + kH + R"("}})",
                           "payments@1.4.2");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "payments@1.4.2");
  EXPECT_EQ(r->platform, Platform::kNitroEnclave);
  EXPECT_EQ(r->pcrs.size(), 3u);
  EXPECT_EQ(r->pcrs.at(2), Bytes(48, 0xaa));
}

TEST(ReferenceImport, ReadsNitroTpmPcrComputeOutput) {
  // v1.1.0 prints PCR4, PCR7 and PCR12; v1.0.0 only PCR4 and PCR7.
  auto v11 = ImportReference(R"({"Measurements": {"HashAlgorithm": "SHA384", "PCR4": ")" + kH +
                                 R"(", "PCR7": ")" + kH + R"(", "PCR12": ")" +
                                 std::string(96, '0') + R"("}})",
                             "ami-0abc1234");
  ASSERT_TRUE(v11) << v11.error().message;
  EXPECT_EQ(v11->platform, Platform::kNitroTpm);
  EXPECT_EQ(v11->pcrs.at(12), Bytes(48, 0));
  auto v10 = ImportReference(R"({"Measurements": {"HashAlgorithm": "SHA384 { ... }", "PCR4": ")" +
                                 kH + R"(", "PCR7": ")" + kH + R"("}})",
                             "ami-0abc1235");
  ASSERT_TRUE(v10) << v10.error().message;
}

TEST(ReferenceImport, RejectsBadToolOutput) {
  auto pcr = [](const std::string& k, const std::string& v) {
    return R"({"Measurements": {"HashAlgorithm": "SHA384", ")" + k + R"(": ")" + v + R"("}})";
  };
  EXPECT_EQ(ImportReference(pcr("PCR4", kH), "a").error().message,
            "a nitro-tpm reference must bind PCR7 or PCR12 (GHSA-xrv8-2pf5-f3q7)");
  EXPECT_EQ(ImportReference(pcr("PCR0", "abc"), "a").error().message, "PCR0 is not hex");
  EXPECT_EQ(ImportReference(pcr("PCR0", std::string(64, 'a')), "a").error().message,
            "PCR0 has 32 bytes, which is not a nitro-enclave digest size");
  EXPECT_EQ(ImportReference(pcr("PCRX", kH), "a").error().message, "unexpected member \"PCRX\"");
  EXPECT_EQ(ImportReference(pcr("PCR32", kH), "a").error().message,
            "PCR32 does not exist on nitro-tpm, which has PCR0..PCR23");
  EXPECT_EQ(ImportReference(
                R"({"Measurements": {"HashAlgorithm": "Sha256", "PCR0": ")" + kH + "\"}}", "a")
                .error()
                .message,
            "HashAlgorithm must be SHA384");
  EXPECT_EQ(ImportReference("{\"Measures\": {}}", "a").error().message,
            "no \"Measurements\" object");
  EXPECT_EQ(ImportReference("{not json", "a").error().message,
            "measurements are not a JSON object");
  EXPECT_EQ(ImportReference(pcr("PCR0", kH), "bad name").error().message,
            "reference name is invalid: 'bad name'");
}

TEST(ReferenceImport, ReadsOurYaml) {
  auto r = ImportReference("name: payments@1.4.2\nplatform: nitro-enclave\npcrs: {0: \"" + kH +
                               "\", 1: \"" + std::string(96, 'B') + "\"}\nsource: CI run 4711\n",
                           "ignored");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "payments@1.4.2");
  EXPECT_EQ(r->source, "CI run 4711");
  EXPECT_EQ(r->pcrs.at(1), Bytes(48, 0xbb));
}

TEST(ReferenceImport, RejectsBadYamlWithLines) {
  EXPECT_EQ(
      ParseReferenceYaml("name: r\nplatform: nitro-enclave\npcrs: {0: \"" + kH + "\"}\nextra: 1\n")
          .error()
          .message,
      "line 4: unknown key 'extra'");
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: nitro-enclave\n").error().message,
            "line 1: missing 'pcrs'");
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: x\npcrs: {0: \"" + kH + "\"}\n").error().message,
            "line 2: unknown platform");
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: nitro-tpm\npcrs: {4: \"" + kH + "\"}\n")
                .error()
                .message,
            "line 1: a nitro-tpm reference must bind PCR7 or PCR12 (GHSA-xrv8-2pf5-f3q7)");
}

// A Nitro enclave has PCR0..PCR15 and a TPM PCR0..PCR23: a reference naming any other index
// could never be met, whichever way it is registered (file, tool JSON, admin API).
TEST(ReferenceImport, RejectsPcrsThePlatformDoesNotHave) {
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: nitro-enclave\npcrs:\n  0: \"" + kH +
                               "\"\n  16: \"" + kH + "\"\n")
                .error()
                .message,
            "line 5: PCR16 does not exist on nitro-enclave, which has PCR0..PCR15");
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: nitro-tpm\npcrs:\n  7: \"" + kH +
                               "\"\n  24: \"" + kH + "\"\n")
                .error()
                .message,
            "line 5: PCR24 does not exist on nitro-tpm, which has PCR0..PCR23");
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: tpm2-quote\npcrs: {24: \"" + kH + "\"}\n")
                .error()
                .message,
            "line 3: PCR24 does not exist on tpm2-quote, which has PCR0..PCR23");
  EXPECT_TRUE(ParseReferenceYaml("name: r\nplatform: nitro-tpm\npcrs: {7: \"" + kH + "\", 23: \"" +
                                 kH + "\"}\n"));
  EXPECT_TRUE(ParseReferenceYaml("name: r\nplatform: nitro-enclave\npcrs: {0: \"" + kH +
                                 "\", 15: \"" + kH + "\"}\n"));
  // The admin API's references are checked by ValidateReference.
  Reference enclave{"r", Platform::kNitroEnclave, {{0, Bytes(48, 1)}, {16, Bytes(48, 2)}}};
  EXPECT_EQ(ValidateReference(enclave).error().message,
            "PCR16 does not exist on nitro-enclave, which has PCR0..PCR15");
  Reference tpm{"r", Platform::kTpm2Quote, {{24, Bytes(32, 2)}}};
  EXPECT_EQ(ValidateReference(tpm).error().message,
            "PCR24 does not exist on tpm2-quote, which has PCR0..PCR23");
}

TEST(ReferenceImport, RejectsAnEnclaveReferenceThatBindsNoImage) {
  const std::string kMessage =
      "a nitro-enclave reference must bind PCR0 (the enclave image) or PCR8 (its signing "
      "certificate): PCR3 and PCR4 alone admit any image";
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: nitro-enclave\npcrs: {3: \"" + kH + "\", 4: \"" +
                               kH + "\"}\n")
                .error()
                .message,
            "line 1: " + kMessage);
  Reference role_only{"r", Platform::kNitroEnclave, {{3, Bytes(48, 1)}}};
  EXPECT_EQ(ValidateReference(role_only).error().message, kMessage);
  Reference signer{"r", Platform::kNitroEnclave, {{3, Bytes(48, 1)}, {8, Bytes(48, 2)}}};
  EXPECT_TRUE(ValidateReference(signer));
}

TEST(ReferenceImport, RejectsRepeatedYamlKeysWithLineAndColumn) {
  const std::string pcrs = "pcrs: {0: \"" + kH + "\"}\n";
  EXPECT_EQ(ParseReferenceYaml("name: r\nplatform: nitro-enclave\n" + pcrs + pcrs).error().message,
            "line 4, column 1: duplicate key 'pcrs' (first given on line 3)");
  // Our YAML written as JSON, as the admin API accepts it: the same check.
  EXPECT_EQ(ParseReferenceYaml(R"({"name": "r", "platform": "nitro-enclave", "pcrs": {"0": ")" +
                               kH + R"(", "0": ")" + std::string(96, 'b') + R"("}})")
                .error()
                .message,
            "line 1, column 158: duplicate key '0' (first given on line 1)");
}

TEST(ReferenceImport, RejectsASecondSpellingOfAPcrIndex) {
  auto two = ParseMeasurementsJson(R"({"Measurements": {"HashAlgorithm": "SHA384", "PCR0": ")" +
                                       kH + R"(", "PCR00": ")" + std::string(96, 'b') + R"("}})",
                                   "r", "");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("PCR00"), std::string::npos) << two.error().message;
}

TEST(ReferenceImport, RejectsASecondYamlDocument) {
  const std::string one = "name: r\nplatform: nitro-enclave\npcrs: {0: \"" + kH + "\"}\n";
  ASSERT_TRUE(ParseReferenceYaml(one));
  auto two = ParseReferenceYaml(one + "---\n" + one);
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("a second YAML document"), std::string::npos);
}

TEST(ReferenceImport, RejectsRepeatedJsonMembers) {
  const std::string two_pcr0 = R"({"Measurements": {"HashAlgorithm": "SHA384", "PCR0": ")" + kH +
                               R"(", "PCR0": ")" + std::string(96, 'b') + R"("}})";
  EXPECT_EQ(ImportReference(two_pcr0, "a").error().message, "member \"PCR0\" is given twice");
  const std::string two_measurements =
      R"({"Measurements": {"HashAlgorithm": "SHA384", "PCR0": ")" + kH +
      R"("}, "Measurements": {"HashAlgorithm": "SHA384", "PCR0": ")" + std::string(96, 'b') +
      R"("}})";
  EXPECT_EQ(ImportReference(two_measurements, "a").error().message,
            "member \"Measurements\" is given twice");
  // The same name in two different objects is no repetition.
  EXPECT_TRUE(ImportReference(R"({"Measurements": {"HashAlgorithm": "SHA384", "PCR0": ")" + kH +
                                  R"("}, "Other": {"HashAlgorithm": "x"}})",
                              "a"));
}

}  // namespace
}  // namespace kb::policy
