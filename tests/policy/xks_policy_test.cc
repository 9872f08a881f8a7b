// XKS policies: what the parser refuses, and how the evaluator decides on requestMetadata.

#include "policy/xks_policy.h"

#include <gtest/gtest.h>

#include "policy/policy_parser.h"
#include "policy/xks_evaluator.h"

namespace kb::policy {
namespace {

const std::string kImage(96, 'a');
const std::string kPcr8(96, 'b');
// Every allow rule binds AWS accounts.
const std::string kAccount = "    aws_principal_arn: ['arn:aws:iam::111122223333:*']\n";

std::string Policy(const std::string& rules) {
  return "name: s3-external\nkind: xks\nkeystores: [ks1]\nkeys: [k1, k2]\n" + rules;
}

XksPolicy Parsed(const std::string& rules) {
  auto parsed = ParseXksPolicy(Policy(rules));
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : XksPolicy{};
}

std::string ErrorOf(const std::string& yaml) {
  auto parsed = ParseXksPolicy(yaml);
  return parsed ? "" : parsed.error().message;
}

XksRequestMetadata Call(std::string arn = "arn:aws:iam::111122223333:role/app",
                        std::string operation = "Encrypt") {
  return {{"awsPrincipalArn", arn},
          {"kmsOperation", operation},
          {"kmsRequestId", "r1"},
          {"kmsKeyArn", "arn:aws:kms:us-east-1:111122223333:key/x"}};
}

XksEvaluation Decide(const XksPolicy& p, const XksRequestMetadata& m,
                     std::string_view keystore = "ks1", std::string_view key = "k1") {
  const XksPolicy* list[] = {&p};
  return DecideXks(keystore, key, list, m);
}

TEST(XksPolicy, ParsesEveryCondition) {
  XksPolicy p = Parsed(
      "allow:\n"
      "  - aws_principal_arn: ['arn:aws:iam::111122223333:*']\n"
      "    kms_operation: [Encrypt, Decrypt]\n"
      "    kms_via_service: [s3]\n"
      "    aws_source_vpc: [vpc-1]\n"
      "    aws_source_vpce: [vpce-1]\n"
      "    kms_key_arn: ['arn:aws:kms:us-east-1:111122223333:key/*']\n"
      "    recipient: {image_sha384: " +
      kImage + ", pcrs: {8: " + kPcr8 + "}}\n" + "deny:\n  - kms_operation: [ReEncrypt]\n");
  EXPECT_EQ(p.keystores, std::vector<std::string>{"ks1"});
  ASSERT_EQ(p.allow.size(), 1u);
  EXPECT_EQ(p.allow[0].kms_via_service->at(0), "s3");
  EXPECT_EQ(p.allow[0].image_sha384->size(), 48u);
  EXPECT_EQ(p.allow[0].recipient_pcrs.count(8), 1u);
  EXPECT_EQ(p.deny.size(), 1u);
  EXPECT_TRUE(IsXksPolicySource(Policy("allow: []\n")));
  EXPECT_FALSE(IsXksPolicySource("name: x\nkeys: [k]\nplatform: nitro-tpm\n"));
  EXPECT_FALSE(IsXksPolicySource("{{{"));
}

TEST(XksPolicy, RefusesWhatCouldAllowMoreThanItSays) {
  EXPECT_NE(ErrorOf(Policy("allow: []\n")).find("at least one allow rule"), std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - {}\n")).find("has no condition"), std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - kms_operation: []\n")).find("1 to 100"), std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - aws_principal_arn: ['*']\n")).find("not '*' alone"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - aws_principal_arn: ['arn:*:x']\n")).find("may only end"),
            std::string::npos);
  // A recipient that binds no image would admit any enclave KMS forwards.
  EXPECT_NE(ErrorOf(Policy("allow:\n  - recipient: {pcrs: {3: " + kImage + "}}\n"))
                .find("must bind the enclave image"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - recipient: {image_sha384: " + std::string(96, '0') + "}\n"))
                .find("must bind the enclave image"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - kms_operaton: [Encrypt]\n")).find("kms_operaton"),
            std::string::npos);
  EXPECT_NE(ErrorOf("name: p\nkind: xks\nkeys: [k]\nallow:\n  - kms_operation: [Encrypt]\n")
                .find("missing 'keystores'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Policy("allow:\n  - kms_operation: [Encrypt]\n  - kms_operation: [Encrypt]\n"
                           "allow:\n  - kms_operation: [Decrypt]\n"))
                .find("allow"),
            std::string::npos);
  // One external key can back KMS keys in any account: an allow rule names accounts.
  for (const std::string& rule :
       {std::string("kms_operation: [Encrypt]"), std::string("aws_principal_arn: ['AWS Internal']"),
        std::string("aws_principal_arn: ['arn:aws:iam::*']"),
        std::string("aws_principal_arn: ['arn:aws:iam::1234:*']"),
        std::string("kms_key_arn: ['arn:aws:kms:us-east-1:111122223333:key/k', 'arn:*']")}) {
    EXPECT_NE(ErrorOf(Policy("allow:\n  - " + rule + "\n")).find("must bind AWS accounts"),
              std::string::npos)
        << rule;
  }
  EXPECT_EQ(ErrorOf(Policy("allow:\n  - aws_principal_arn: [ec2.amazonaws.com]\n"
                           "    kms_key_arn: ['arn:aws:kms:us-east-1:111122223333:key/*']\n")),
            "");
  // The release parser says what the document is instead of "unknown key kind".
  auto as_release = ParsePolicy(Policy("allow:\n  - kms_operation: [Encrypt]\n"));
  ASSERT_FALSE(as_release);
  EXPECT_NE(as_release.error().message.find("XKS policy"), std::string::npos);
  EXPECT_EQ(*ParsePolicyOfEitherKind(Policy("allow:\n  - kms_operation: [Encrypt]\n" + kAccount)),
            "s3-external");
}

TEST(XksEvaluator, AllowsWhenARuleMatchesEveryCondition) {
  XksPolicy p = Parsed(
      "allow:\n  - aws_principal_arn: ['arn:aws:iam::111122223333:*']\n"
      "    kms_operation: [Encrypt, Decrypt]\n");
  auto allowed = Decide(p, Call());
  EXPECT_TRUE(allowed.allow) << allowed.reason;
  EXPECT_EQ(allowed.matched_rule, "allow[0]");
  EXPECT_FALSE(allowed.recipient_bound);
  auto other_account = Decide(p, Call("arn:aws:iam::444455556666:role/app"));
  EXPECT_FALSE(other_account.allow);
  EXPECT_NE(other_account.reason.find("awsPrincipalArn does not match"), std::string::npos);
  EXPECT_FALSE(Decide(p, Call("arn:aws:iam::111122223333:role/app", "ReEncrypt")).allow);
  // A prefix is a prefix: the account id cannot be extended.
  XksPolicy exact =
      Parsed("allow:\n  - aws_principal_arn: ['arn:aws:iam::111122223333:role/app']\n");
  EXPECT_FALSE(Decide(exact, Call("arn:aws:iam::111122223333:role/app2")).allow);
  EXPECT_TRUE(Decide(exact, Call("arn:aws:iam::111122223333:role/app")).allow);
}

TEST(XksEvaluator, AnAbsentFieldMatchesNoCondition) {
  XksPolicy p = Parsed("allow:\n  - kms_via_service: [s3]\n" + kAccount);
  EXPECT_FALSE(Decide(p, Call()).allow);
  auto via = Call();
  via["kmsViaService"] = "s3";
  EXPECT_TRUE(Decide(p, via).allow);
}

TEST(XksEvaluator, ADenyRuleWins) {
  XksPolicy p =
      Parsed("allow:\n  - kms_operation: [Encrypt, Decrypt]\n" + kAccount +
             "deny:\n  - aws_principal_arn: ['arn:aws:iam::111122223333:user/mallory']\n");
  EXPECT_TRUE(Decide(p, Call()).allow);
  auto denied = Decide(p, Call("arn:aws:iam::111122223333:user/mallory"));
  EXPECT_FALSE(denied.allow);
  EXPECT_EQ(denied.matched_rule, "deny[0]");
  EXPECT_NE(denied.reason.find("line"), std::string::npos);
}

TEST(XksEvaluator, OnlyPoliciesNamingTheKeyStoreAndTheKeyDecide) {
  XksPolicy p = Parsed("allow:\n  - kms_operation: [Encrypt]\n" + kAccount);
  EXPECT_TRUE(Decide(p, Call(), "ks1", "k2").allow);
  auto other_store = Decide(p, Call(), "ks2", "k1");
  EXPECT_FALSE(other_store.allow);
  EXPECT_NE(other_store.reason.find("no active XKS policy"), std::string::npos);
  EXPECT_FALSE(Decide(p, Call(), "ks1", "k3").allow);
  EXPECT_FALSE(DecideXks("ks1", "k1", {}, Call()).allow);
}

TEST(XksEvaluator, AMatchingRuleThatBindsARecipientIsPreferred) {
  XksPolicy p = Parsed("allow:\n  - kms_operation: [Decrypt]\n" + kAccount +
                       "  - kms_operation: [Decrypt]\n" + kAccount +
                       "    recipient: {image_sha384: " + kImage + "}\n");
  auto call = Call("arn:aws:iam::111122223333:role/r", "Decrypt");
  auto plain = Decide(p, call);
  EXPECT_TRUE(plain.allow);
  EXPECT_FALSE(plain.recipient_bound);
  call["kmsRecipientAttestationImageSha384"] = kImage;
  auto attested = Decide(p, call);
  EXPECT_TRUE(attested.recipient_bound);
  EXPECT_EQ(attested.matched_rule, "allow[1]");
}

TEST(XksEvaluator, RecipientMeasurementsMatchAsHexOfEitherCase) {
  XksPolicy p = Parsed("allow:\n  - kms_operation: [Decrypt]\n" + kAccount +
                       "    recipient: {image_sha384: " + kImage + ", pcrs: {8: " + kPcr8 + "}}\n");
  auto call = Call("arn:aws:iam::111122223333:role/r", "Decrypt");
  EXPECT_FALSE(Decide(p, call).allow);
  call["kmsRecipientAttestationImageSha384"] = std::string(96, 'A');
  EXPECT_FALSE(Decide(p, call).allow);  // PCR8 missing
  call["kmsRecipientAttestationPCR8"] = kPcr8;
  auto allowed = Decide(p, call);
  EXPECT_TRUE(allowed.allow) << allowed.reason;
  EXPECT_TRUE(allowed.recipient_bound);
  call["kmsRecipientAttestationPCR8"] = std::string(96, 'c');
  EXPECT_FALSE(Decide(p, call).allow);
  call["kmsRecipientAttestationPCR8"] = "not hex";
  EXPECT_FALSE(Decide(p, call).allow);
}

}  // namespace
}  // namespace kb::policy
