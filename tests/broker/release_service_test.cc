// The release flow end to end at the broker level, on a real SQLite file: dev-signed Nitro
// documents under a test root, a challenge nonce from the ledger, a policy, a sealed key.

#include "broker/release_service.h"

#include <gtest/gtest.h>

#include "api/json_input.h"
#include "tests/support/release_fixture.h"

namespace kb::broker {
namespace {

using testing::kPcr0;
using testing::kT;
using ReleaseTest = testing::ReleaseFixture;

using std::chrono::seconds;

// A replayed document is refused under the identity it proves, so that the audit log says
// whose document is being replayed.
TEST_F(ReleaseTest, AReplayIsRecordedUnderTheIdentityItProves) {
  Bytes doc = Document(Nonce());
  ReleaseOutcome first = Release(doc);
  ASSERT_TRUE(first.released);
  ReleaseOutcome replay = Release(doc);
  EXPECT_EQ(Code(replay), ErrorCode::kNonceReplayed);
  auto rows = audit_->Read(first.decision_id - 1, 2);
  ASSERT_EQ(rows->size(), 2u);
  const storage::AuditRecord& allowed = (*rows)[0];
  const storage::AuditRecord& refused = (*rows)[1];
  EXPECT_EQ(refused.decision, "deny");
  EXPECT_TRUE(refused.actor.starts_with("attested:")) << refused.actor;
  EXPECT_EQ(refused.actor, allowed.actor);
  EXPECT_EQ(refused.evidence_type, "nitro-enclave");
  EXPECT_EQ(refused.claims_sha256, allowed.claims_sha256);
  EXPECT_EQ(refused.claims_sha256.size(), 32u);
}

TEST_F(ReleaseTest, ReleasesTheKeyWrappedToTheAttestedPublicKey) {
  ReleaseOutcome o = Release(Document(Nonce()));
  ASSERT_TRUE(o.released) << o.error->message;
  EXPECT_FALSE(o.error);
  EXPECT_EQ(o.released->key_id, "model-weights");
  EXPECT_EQ(o.released->key_version, 1u);
  EXPECT_EQ(o.released->policy, "weights");
  EXPECT_EQ(o.released->policy_version, 1);
  auto key = manager_->UnsealCurrent("model-weights");
  Bytes expected(key->material.span().begin(), key->material.span().end());
  EXPECT_EQ(testing::CmsDecrypt(o.released->ciphertext_for_recipient, instance_key_.get()),
            expected);
  auto rows = audit_->Read(o.decision_id - 1, 1);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().decision, "allow");
  EXPECT_EQ(rows->front().actor, "attested:i-0123456789abcdef0-enc0123456789abcdef");
  EXPECT_EQ(rows->front().key_version, 1u);
}

TEST_F(ReleaseTest, RsaOaep256Format) {
  ReleaseOutcome o = Release(Document(Nonce()), "model-weights", WrapFormat::kRsaOaep256);
  ASSERT_TRUE(o.released);
  EXPECT_EQ(o.released->ciphertext_for_recipient.size(), 256u);
}

TEST_F(ReleaseTest, ANonceIsUsedOnce) {
  Bytes doc = Document(Nonce());
  ASSERT_TRUE(Release(doc).released);
  EXPECT_EQ(Code(Release(doc)), ErrorCode::kNonceReplayed);
}

TEST_F(ReleaseTest, RejectsUnknownAndExpiredNonces) {
  EXPECT_EQ(Code(Release(Document(Bytes(32, 7)))), ErrorCode::kNonceUnknown);
  EXPECT_EQ(Code(Release(Document(Bytes{1, 2, 3}))), ErrorCode::kNonceUnknown);
  Bytes doc = Document(Nonce());
  EXPECT_EQ(Code(Release(doc, "model-weights", WrapFormat::kCms, kT + std::chrono::seconds(301))),
            ErrorCode::kNonceExpired);
}

TEST_F(ReleaseTest, PolicyDenialIsAuditedAndConsumesTheNonce) {
  Bytes nonce = Nonce();
  ReleaseOutcome o = Release(Document(nonce, Bytes(48, 0xbb)));
  EXPECT_EQ(Code(o), ErrorCode::kPolicyDenied);
  auto row = audit_->Read(o.decision_id - 1, 1)->front();
  EXPECT_EQ(row.decision, "deny");
  EXPECT_NE(row.reasons.find("no allow rule matched"), std::string::npos);
  EXPECT_EQ(row.policy, "weights");
  EXPECT_EQ(Code(Release(Document(nonce))), ErrorCode::kNonceReplayed);
}

TEST_F(ReleaseTest, AKeyNoPolicyNamesIsNeverReleased) {
  EXPECT_EQ(Code(Release(Document(Nonce()), "unnamed")), ErrorCode::kPolicyDenied);
}

TEST_F(ReleaseTest, DisabledAndMissingKeys) {
  ASSERT_TRUE(manager_->SetEnabled("model-weights", false, "admin", kT));
  EXPECT_EQ(Code(Release(Document(Nonce()))), ErrorCode::kKeyDisabled);
  EXPECT_EQ(Code(Release(Document(Nonce()), "ghost")), ErrorCode::kKeyNotFound);
}

TEST_F(ReleaseTest, RefusesAPublicKeyItCannotWrapTo) {
  auto ec = testing::GenerateKey(testing::KeyType::kP256);
  EXPECT_EQ(Code(Release(Document(Nonce(), kPcr0, ec.get()))), ErrorCode::kUnsupportedPublicKey);
}

TEST_F(ReleaseTest, RefusesEvidenceWithoutAPublicKey) {
  auto fields = testing::MakeDocumentFields(chain_, kT);
  fields.pcrs[0] = kPcr0;
  fields.nonce = Nonce();
  fields.public_key.reset();
  ReleaseOutcome o = Release(testing::SignDocument(fields, chain_.leaf.key.get()));
  EXPECT_EQ(Code(o), ErrorCode::kUnsupportedPublicKey);
}

TEST_F(ReleaseTest, BadEvidenceIsAuditedWithoutSpendingTheNonce) {
  Bytes nonce = Nonce();
  Bytes doc = Document(nonce);
  Bytes tampered = doc;
  tampered.back() ^= 1;
  ReleaseOutcome bad = Release(tampered);
  EXPECT_EQ(Code(bad), ErrorCode::kBadSignature);
  EXPECT_EQ(audit_->Read(bad.decision_id - 1, 1)->front().actor, "unverified");
  EXPECT_TRUE(Release(doc).released);  // the nonce was still unused
  EXPECT_EQ(Code(Release(Bytes{0x01})), ErrorCode::kMalformedEvidence);
  // An unknown evidence type is refused where it is parsed, at the API and CLI edges.
  EXPECT_EQ(api::ParseEvidenceType("sgx").error().code, ErrorCode::kMalformedRequest);
}

TEST_F(ReleaseTest, OldNoncesArePurgedAsChallengesAreIssued) {
  Bytes old = service_->IssueChallenge(kT)->nonce;
  Time later = kT + std::chrono::minutes(11);  // expired more than one TTL ago
  for (int i = 0; i < 256; ++i) ASSERT_TRUE(service_->IssueChallenge(later));
  EXPECT_EQ(service_->purged_nonces(), 1u);
  EXPECT_EQ(ledger_->CheckNonce(old, later).error().code, ErrorCode::kNonceUnknown);
}

TEST_F(ReleaseTest, AFullDatabaseRefusesWithInternalAndLeavesNothingHalfDone) {
  std::vector<Bytes> documents;
  for (int i = 0; i < 300; ++i) documents.push_back(Document(Nonce()));
  // SQLITE_FULL as on a full filesystem: the database may not grow by one more page. (The
  // e2e full_disk test does the same on a real full tmpfs where the machine can mount one.)
  ASSERT_TRUE(db_->Exec("PRAGMA max_page_count = 1"));  // clamped to the current size
  std::optional<size_t> failed;
  for (size_t i = 0; i < documents.size() && !failed; ++i) {
    ReleaseOutcome o = Release(documents[i]);
    if (o.released) continue;
    failed = i;
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->code, ErrorCode::kInternal);
    EXPECT_EQ(o.error->message, "internal error");  // the cause is for the log only
    EXPECT_NE(o.internal_detail.find("full"), std::string::npos) << o.internal_detail;
    EXPECT_EQ(o.decision_id, 0u);
  }
  ASSERT_TRUE(failed) << "the database never filled up";
  uint64_t rows = audit_->Verify()->rows;
  EXPECT_FALSE(Release(documents[*failed]).released);         // still full
  ASSERT_TRUE(db_->Exec("PRAGMA max_page_count = 1000000"));  // space returns
  EXPECT_EQ(audit_->Verify()->rows, rows);
  EXPECT_TRUE(Release(documents[*failed]).released);  // its nonce was never spent
  auto verified = audit_->Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok);
  EXPECT_EQ(verified->rows, rows + 1);
}

TEST_F(ReleaseTest, TheAuditChainHoldsAfterEveryKindOfDecision) {
  Bytes nonce = Nonce();
  ASSERT_TRUE(Release(Document(nonce)).released);
  (void)Release(Document(nonce));
  (void)Release(Document(Bytes(32, 1)));
  (void)Release(Bytes{0});
  auto v = audit_->Verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->rows, 5u);  // key creation + four decisions
}

}  // namespace
}  // namespace kb::broker

namespace kb::broker {
namespace {

class LimitedReleaseTest : public testing::ReleaseFixture {
 protected:
  void Limit(RateLimit identity, RateLimit key) {
    identity_ = std::make_unique<RateLimiter>(identity);
    key_ = std::make_unique<RateLimiter>(key);
    service_ = std::make_unique<ReleaseService>(ReleaseService::Dependencies{
        *core_, *ledger_, random_, std::chrono::seconds(300), identity_.get(), key_.get()});
  }
  uint64_t AuditRows() { return audit_->Verify()->rows; }
  std::unique_ptr<RateLimiter> identity_, key_;
};

TEST_F(LimitedReleaseTest, AnIdentityOverItsLimitWaitsWithoutSpendingItsNonceOrAnAuditRow) {
  Limit({1, 1}, {});
  ASSERT_TRUE(Release(Document(Nonce())).released);
  uint64_t rows = AuditRows();
  Bytes doc = Document(Nonce());
  ReleaseOutcome limited = Release(doc);
  ASSERT_TRUE(limited.error);
  EXPECT_EQ(limited.error->code, ErrorCode::kRateLimited);
  EXPECT_EQ(limited.retry_after_seconds, 1);
  EXPECT_EQ(limited.decision_id, 0u);
  EXPECT_EQ(AuditRows(), rows);
  // Unverified evidence is refused for what it is and spends nobody's budget.
  EXPECT_EQ(Code(Release(Bytes{1, 2, 3})), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(identity_->refused(), 1u);
  // A second later the same document, its nonce unspent, is released.
  EXPECT_TRUE(
      Release(doc, "model-weights", WrapFormat::kCms, kT + std::chrono::seconds(1)).released);
}

TEST_F(LimitedReleaseTest, NoncesThatAreNotOursUsableSpendNobodysBudget) {
  Limit({1, 2}, {1, 2});
  Bytes captured = Document(Nonce());
  ASSERT_TRUE(Release(captured).released);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Code(Release(captured)), ErrorCode::kNonceReplayed);
  EXPECT_EQ(Code(Release(Document(Bytes(32, 1)))), ErrorCode::kNonceUnknown);
  Bytes expiring = Document(Nonce());
  EXPECT_EQ(Code(Release(expiring, "model-weights", WrapFormat::kCms, kT + std::chrono::hours(1))),
            ErrorCode::kNonceExpired);
  EXPECT_EQ(identity_->refused() + key_->refused(), 0u);
  EXPECT_TRUE(Release(Document(Nonce())).released);  // the second of two
}

TEST_F(LimitedReleaseTest, DeniedRequestsSpendNothingOfTheKeysBudget) {
  Limit({}, {1, 1});
  for (int i = 0; i < 3; ++i) {  // any enclave can get a nonce; its policy says no
    EXPECT_EQ(Code(Release(Document(Nonce(), Bytes(48, 0xbb)))), ErrorCode::kPolicyDenied);
  }
  EXPECT_EQ(key_->refused(), 0u);
  EXPECT_TRUE(Release(Document(Nonce())).released);
}

TEST_F(LimitedReleaseTest, AKeyOverItsLimitIsRefusedWhileOtherKeysAreNot) {
  Limit({}, {1, 1});
  ASSERT_TRUE(Release(Document(Nonce())).released);
  ReleaseOutcome limited = Release(Document(Nonce()));
  ASSERT_TRUE(limited.error);
  EXPECT_EQ(limited.error->code, ErrorCode::kRateLimited);
  EXPECT_EQ(Code(Release(Document(Nonce()), "ghost")), ErrorCode::kKeyNotFound);
  EXPECT_EQ(key_->refused(), 1u);
}

}  // namespace
}  // namespace kb::broker
