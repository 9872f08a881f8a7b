// The release decision as a value: only the policy gate makes a permit, an allow needs one, and
// the pure functions that turn a decision and the ledger's receipt into the audit row and the
// client's answer.

#include "broker/release_decision.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "tests/support/release_fixture.h"

namespace kb::broker {
namespace {

using testing::kT;

// The access-token pattern: nothing but PolicyGate constructs a permit.
static_assert(!std::is_default_constructible_v<ReleasePermit>);
static_assert(!std::is_constructible_v<ReleasePermit, std::string, std::string, int>);

class ReleaseDecisionTest : public testing::ReleaseFixture {
 protected:
  // The gate's permit for model-weights, for a document the fixture's policy allows.
  ReleasePermit Permit() {
    auto verified = verifiers_.Verify(std::nullopt, Document(Nonce()), kT);
    EXPECT_TRUE(verified) << verified.error().message;
    auto verdict = gate_->Decide("model-weights", verified->claims(), kT);
    EXPECT_TRUE(verdict && verdict->permit);
    return *verdict->permit;
  }
  DecisionFacts Facts() {
    DecisionFacts f;
    f.time = kT;
    f.actor = "attested:i-1";
    f.key_id = "model-weights";
    f.nonce = Bytes(storage::kNonceSize, 1);
    f.request_id = "req";
    return f;
  }
};

TEST_F(ReleaseDecisionTest, TheGateDeniesWithoutAPermitWhenNoPolicyAllows) {
  auto verified = verifiers_.Verify(std::nullopt, Document(Nonce(), Bytes(48, 0xbb)), kT);
  ASSERT_TRUE(verified);
  auto verdict = gate_->Decide("model-weights", verified->claims(), kT);
  ASSERT_TRUE(verdict);
  EXPECT_FALSE(verdict->permit);
  EXPECT_EQ(verdict->policy, "weights");
  EXPECT_EQ(verdict->policy_version, 1);
}

TEST_F(ReleaseDecisionTest, AnAllowCarriesThePermitsKeyAndPolicy) {
  ReleasePermit permit = Permit();
  // The permit wraps to the public key of the evidence the policy saw, and to no other.
  EXPECT_EQ(permit.recipient(), testing::Spki(instance_key_.get()));
  // The permit wraps to the public key of the evidence the policy saw, and to no other.
  EXPECT_EQ(permit.recipient(), testing::Spki(instance_key_.get()));
  DecisionFacts facts = Facts();
  facts.key_id = "something-else";  // the permit, not the facts, names what is released
  auto allow = ReleaseDecision::Allow(facts, permit, "allow[0] matched");
  EXPECT_EQ(allow.verdict(), Verdict::kAllow);
  EXPECT_FALSE(allow.error());
  EXPECT_EQ(allow.facts().key_id, "model-weights");
  EXPECT_EQ(allow.facts().policy, "weights");
  EXPECT_EQ(allow.facts().policy_version, 1);
}

TEST_F(ReleaseDecisionTest, TheAuditRowOfAnAllowWhoseNonceWasSpentIsADenial) {
  auto allow = ReleaseDecision::Allow(Facts(), Permit(), "allow[0] matched");
  storage::AuditRecord row = AuditRow(allow.facts(), allow.verdict(), allow.reasons(), Ok());
  EXPECT_EQ(row.decision, "allow");
  EXPECT_EQ(row.reasons, "allow[0] matched");
  EXPECT_EQ(row.policy, "weights");
  Status replayed = Error{ErrorCode::kNonceReplayed, "nonce was already used"};
  row = AuditRow(allow.facts(), allow.verdict(), allow.reasons(), replayed);
  EXPECT_EQ(row.decision, "deny");
  EXPECT_EQ(row.reasons, "nonce_replayed");
}

TEST_F(ReleaseDecisionTest, TheAnswerReleasesOnlyAnAllowWithADurableRowAndItsNonce) {
  auto allow = ReleaseDecision::Allow(Facts(), Permit(), "ok");
  ReleasedKey key{"model-weights", 1, WrapFormat::kCms, Bytes{1, 2, 3}, "weights", 1};

  ReleaseOutcome released = Answer(allow, storage::LedgerReceipt{7, Ok()}, key);
  ASSERT_TRUE(released.released);
  EXPECT_EQ(released.decision_id, 7u);

  ReleaseOutcome raced =
      Answer(allow, storage::LedgerReceipt{8, Error{ErrorCode::kNonceReplayed, "used"}}, key);
  EXPECT_FALSE(raced.released);
  EXPECT_EQ(raced.error->code, ErrorCode::kNonceReplayed);
  EXPECT_EQ(raced.decision_id, 8u);

  ReleaseOutcome lost = Answer(allow, Error{ErrorCode::kInternal, "disk full"}, key);
  EXPECT_FALSE(lost.released);
  EXPECT_EQ(lost.error->code, ErrorCode::kInternal);
  EXPECT_EQ(lost.error->message, "internal error");  // the cause is for the operator's log
  EXPECT_EQ(lost.internal_detail, "disk full");
  EXPECT_EQ(lost.decision_id, 0u);

  auto deny = ReleaseDecision::Deny(Facts(), Error{ErrorCode::kPolicyDenied, "allow[0]: PCR0"});
  ReleaseOutcome denied = Answer(deny, storage::LedgerReceipt{9, Ok()}, std::nullopt);
  EXPECT_FALSE(denied.released);
  EXPECT_EQ(denied.error->code, ErrorCode::kPolicyDenied);
  EXPECT_EQ(denied.error->message.find("PCR0"), std::string::npos);  // reasons stay in the log
  EXPECT_EQ(AuditRow(deny.facts(), deny.verdict(), deny.reasons(), Ok()).reasons,
            "policy_denied: allow[0]: PCR0");
}

}  // namespace
}  // namespace kb::broker
