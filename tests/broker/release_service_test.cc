// The release flow end to end at the broker level, on a real SQLite file: dev-signed Nitro
// documents under a test root, a challenge nonce from the ledger, a policy, a sealed key.

#include "broker/release_service.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>

#include "common/encoding.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_reference_store.h"
#include "storage/sqlite_release_ledger.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::broker {
namespace {

using std::chrono::seconds;

const Time kT = *ParseRfc3339("2026-05-01T12:00:00Z");
const Bytes kPcr0(48, 0xaa);

Bytes Spki(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes CmsDecrypt(const Bytes& der, EVP_PKEY* key) {
  const unsigned char* p = der.data();
  OsslPtr<CMS_ContentInfo> cms(d2i_CMS_ContentInfo(nullptr, &p, long(der.size())));
  OsslPtr<BIO> out(BIO_new(BIO_s_mem()));
  if (!cms || CMS_decrypt(cms.get(), key, nullptr, nullptr, out.get(), CMS_BINARY) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return Bytes(data, data + len);
}

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chain_ = testing::MakeChain(kT);
    ASSERT_TRUE(anchors_.AddPem(chain_.root.CertPem()));
    db_ = std::move(storage::Database::Open(testing::MakeTempDir() + "/kb.db")).value();
    keys_ = std::make_unique<storage::SqliteKeyStore>(*db_);
    audit_ = std::make_unique<storage::SqliteAuditLog>(*db_);
    ledger_ = std::make_unique<storage::SqliteReleaseLedger>(*db_);
    policies_ = std::make_unique<storage::SqlitePolicyStore>(*db_);
    references_ = std::make_unique<storage::SqliteReferenceStore>(*db_);
    manager_ = std::make_unique<KeyManager>(*keys_, *audit_, kek_, random_);
    ASSERT_TRUE(manager_->CreateGenerated("model-weights", "admin", kT));
    PutPolicy(
        "name: weights\nkeys: [model-weights, ghost]\nplatform: nitro-enclave\nallow:\n"
        "  - pcrs: {0: \"" +
        HexEncode(kPcr0) + "\"}\n");
    service_ = std::make_unique<ReleaseService>(
        ReleaseService::Dependencies{nitro_, tpm2_, *policies_, *references_, *manager_, wrapper_,
                                     *ledger_, random_, seconds(300)});
    instance_key_ = testing::GenerateKey(testing::KeyType::kRsa2048);
  }
  void PutPolicy(const std::string& yaml) {
    int v = *policies_->Put("weights", yaml, "admin", kT);
    ASSERT_TRUE(policies_->Activate("weights", v));
  }
  // A document for the instance key, carrying `nonce`, with PCR0 = `pcr0`.
  Bytes Document(const Bytes& nonce, const Bytes& pcr0 = kPcr0, EVP_PKEY* wrap_to = nullptr) {
    auto fields = testing::MakeDocumentFields(chain_, kT);
    fields.pcrs[0] = pcr0;
    fields.nonce = nonce;
    fields.public_key = Spki(wrap_to ? wrap_to : instance_key_.get());
    return testing::SignDocument(fields, chain_.leaf.key.get());
  }
  ReleaseOutcome Release(const Bytes& document, const std::string& key = "model-weights",
                         WrapFormat format = WrapFormat::kCms, Time now = kT) {
    return service_->Release({key, "auto", document, format, "req-1"}, now);
  }
  Bytes Nonce() { return service_->IssueChallenge(kT)->nonce; }
  ErrorCode Code(const ReleaseOutcome& o) {
    EXPECT_FALSE(o.release);
    EXPECT_GT(o.decision_id, 0u);  // every decision is audited
    return o.error ? o.error->code : ErrorCode::kInternal;
  }

  testing::TestChain chain_;
  TrustAnchors anchors_ = TrustAnchors::Empty();
  CertificateCache cache_{64};
  NitroVerifier nitro_{anchors_, cache_};
  AttestationKeys aks_;
  Tpm2QuoteVerifier tpm2_{aks_};
  OsslRandom random_;
  Kek kek_ = std::move(Kek::FromBytes(SecretBytes(Bytes(32, 3)))).value();
  KeyWrapper wrapper_ = std::move(KeyWrapper::Create()).value();
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteKeyStore> keys_;
  std::unique_ptr<storage::SqliteAuditLog> audit_;
  std::unique_ptr<storage::SqliteReleaseLedger> ledger_;
  std::unique_ptr<storage::SqlitePolicyStore> policies_;
  std::unique_ptr<storage::SqliteReferenceStore> references_;
  std::unique_ptr<KeyManager> manager_;
  std::unique_ptr<ReleaseService> service_;
  OsslPtr<EVP_PKEY> instance_key_;
};

TEST_F(ReleaseTest, ReleasesTheKeyWrappedToTheAttestedPublicKey) {
  ReleaseOutcome o = Release(Document(Nonce()));
  ASSERT_TRUE(o.release) << o.error->message;
  EXPECT_FALSE(o.error);
  EXPECT_EQ(o.release->key_id, "model-weights");
  EXPECT_EQ(o.release->key_version, 1u);
  EXPECT_EQ(o.release->policy, "weights");
  EXPECT_EQ(o.release->policy_version, 1);
  auto key = manager_->UnsealCurrent("model-weights");
  Bytes expected(key->material.span().begin(), key->material.span().end());
  EXPECT_EQ(CmsDecrypt(o.release->ciphertext_for_recipient, instance_key_.get()), expected);
  auto rows = audit_->Read(o.decision_id - 1, 1);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().decision, "allow");
  EXPECT_EQ(rows->front().actor, "attested:i-0123456789abcdef0-enc0123456789abcdef");
  EXPECT_EQ(rows->front().key_version, 1u);
}

TEST_F(ReleaseTest, RsaOaep256Format) {
  ReleaseOutcome o = Release(Document(Nonce()), "model-weights", WrapFormat::kRsaOaep256);
  ASSERT_TRUE(o.release);
  EXPECT_EQ(o.release->ciphertext_for_recipient.size(), 256u);
}

TEST_F(ReleaseTest, ANonceIsUsedOnce) {
  Bytes doc = Document(Nonce());
  ASSERT_TRUE(Release(doc).release);
  EXPECT_EQ(Code(Release(doc)), ErrorCode::kNonceReplayed);
}

TEST_F(ReleaseTest, RejectsUnknownAndExpiredNonces) {
  EXPECT_EQ(Code(Release(Document(Bytes(32, 7)))), ErrorCode::kNonceUnknown);
  EXPECT_EQ(Code(Release(Document(Bytes{1, 2, 3}))), ErrorCode::kNonceUnknown);
  Bytes doc = Document(Nonce());
  EXPECT_EQ(Code(Release(doc, "model-weights", WrapFormat::kCms, kT + seconds(301))),
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

TEST_F(ReleaseTest, BadEvidenceIsAuditedWithoutSpendingTheNonce) {
  Bytes nonce = Nonce();
  Bytes doc = Document(nonce);
  Bytes tampered = doc;
  tampered.back() ^= 1;
  ReleaseOutcome bad = Release(tampered);
  EXPECT_EQ(Code(bad), ErrorCode::kBadSignature);
  EXPECT_EQ(audit_->Read(bad.decision_id - 1, 1)->front().actor, "unverified");
  EXPECT_TRUE(Release(doc).release);  // the nonce was still unused
  EXPECT_EQ(Code(Release(Bytes{0x01})), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(service_->Release({"model-weights", "sgx", doc, WrapFormat::kCms, "r"}, kT)),
            ErrorCode::kMalformedRequest);
}

TEST_F(ReleaseTest, TheAuditChainHoldsAfterEveryKindOfDecision) {
  Bytes nonce = Nonce();
  ASSERT_TRUE(Release(Document(nonce)).release);
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
