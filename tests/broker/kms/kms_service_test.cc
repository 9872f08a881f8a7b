// The KMS use cases over a real SQLite file and real dev-signed Nitro documents: key references,
// authenticated ciphertext blobs, grants, key purposes, attestation_required, Recipient delivery
// checked by decrypting the CMS with the instance key, and an audit row per call.

#include "broker/kms/kms_service.h"

#include <gtest/gtest.h>

#include "broker/admin/kms_governance.h"
#include "crypto/keyed_sha256.h"
#include "storage/sqlite_approval_store.h"
#include "storage/sqlite_kms_grant_store.h"
#include "tests/support/release_fixture.h"

namespace kb::broker {
namespace {

using testing::kPcr0;
using testing::kT;

Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes Copy(const SecretBytes& s) { return Bytes(s.span().begin(), s.span().end()); }

class KmsServiceTest : public testing::ReleaseFixture {
 protected:
  void SetUp() override {
    ReleaseFixture::SetUp();
    // free-key: no policy names it, attestation not required. kms-weights: attestation
    // required, named by the active policy "weights" with the release fixture's model-weights.
    ASSERT_TRUE(manager_->CreateGenerated("free-key", "admin", kT,
                                          {storage::KeyPurpose::kKms,
                                           /*attestation=*/false}));
    ASSERT_TRUE(manager_->CreateGenerated("kms-weights", "admin", kT, {storage::KeyPurpose::kKms}));
    PutPolicy(
        "name: weights\nkeys: [model-weights, kms-weights]\nplatform: nitro-enclave\n"
        "allow:\n  - pcrs: {0: \"" +
        HexEncode(kPcr0) + "\"}\n");
    grants_ = std::make_unique<storage::SqliteKmsGrantStore>(*db_, *audit_);
    approvals_ = std::make_unique<storage::SqliteApprovalStore>(*db_, *audit_);
    quorum_ = std::make_unique<Quorum>(*approvals_, *unit_of_work_, 1);
    governance_ = std::make_unique<KmsGovernance>(
        KmsGovernance::Dependencies{*grants_, *keys_, *quorum_, *audit_, random_});
    ASSERT_TRUE(
        db_->Exec("INSERT INTO principals (name, roles, created_at, created_by) "
                  "VALUES ('app', 'kms-user', 0, 'test')"));
    for (const char* key : {"free-key", "kms-weights"}) Grant("app", key);
    kms_ = std::make_unique<KmsService>(KmsService::Dependencies{
        *keys_, *grants_, *manager_, *core_, wrapper_, random_, {"eu-west-1", "123456789012"}});
  }
  // An active grant of every operation (one approval is the quorum here).
  void Grant(const std::string& principal, const std::string& key) {
    auto made = governance_->CreateGrant({principal, key, GrantableKmsOperations()},
                                         {"admin", kAllRoles}, kT);
    ASSERT_TRUE(made) << made.error().message;
    ASSERT_TRUE(made->second.effective);
  }
  uint64_t AuditRows() { return audit_->Verify()->rows; }
  storage::AuditRecord LastRow() {
    uint64_t rows = AuditRows();
    return audit_->Read(rows - 1, 1)->front();
  }
  ErrorCode Code(const auto& result) {
    EXPECT_FALSE(result);
    return result ? ErrorCode::kInternal : result.error().code;
  }
  std::optional<Bytes> Recipient(const Bytes& pcr0 = kPcr0) {
    return Document(Nonce(), pcr0);  // a nonce of ours: consumed by the call
  }

  KmsCall call_{"app", "r1", kT};
  std::unique_ptr<storage::SqliteKmsGrantStore> grants_;
  std::unique_ptr<storage::SqliteApprovalStore> approvals_;
  std::unique_ptr<Quorum> quorum_;
  std::unique_ptr<KmsGovernance> governance_;
  std::unique_ptr<KmsService> kms_;
};

TEST_F(KmsServiceTest, ResolvesKeysAsKmsClientsNameThem) {
  for (const char* ref :
       {"free-key", "alias/free-key", "arn:aws:kms:eu-west-1:123456789012:key/free-key",
        "arn:aws:kms:eu-west-1:123456789012:alias/free-key"}) {
    auto id = kms_->ResolveKeyId(ref);
    ASSERT_TRUE(id) << ref;
    EXPECT_EQ(*id, "free-key");
  }
  for (const char* ref : {"", "alias/", "arn:aws:kms:us-east-1:123456789012:key/free-key",
                          "arn:aws:kms:eu-west-1:999999999999:key/free-key",
                          "arn:aws:kms:eu-west-1:123456789012:grant/free-key"}) {
    EXPECT_EQ(Code(kms_->ResolveKeyId(ref)), ErrorCode::kKeyNotFound) << ref;
  }
  EXPECT_EQ(kms_->KeyArn("k"), "arn:aws:kms:eu-west-1:123456789012:key/k");
  auto listed = kms_->List(call_);  // the kms keys granted to app, not model-weights
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2u);
  // A key nobody was granted: refused, exactly as an existing key outside the caller's grants.
  EXPECT_EQ(Code(kms_->Describe("alias/nope", call_)), ErrorCode::kForbidden);
  EXPECT_EQ(Code(kms_->Describe("alias/model-weights", call_)), ErrorCode::kForbidden);
  EXPECT_TRUE(kms_->Describe("alias/free-key", call_));
}

TEST_F(KmsServiceTest, EncryptDecryptRoundTripBoundToTheContext) {
  EncryptionContext context{{"tenant", "a"}, {"purpose", "test"}};
  auto sealed = kms_->Encrypt("alias/free-key", Text("hello"), context, call_);
  ASSERT_TRUE(sealed) << sealed.error().message;
  EXPECT_EQ(sealed->key_arn, "arn:aws:kms:eu-west-1:123456789012:key/free-key");
  auto opened = kms_->Decrypt(sealed->blob, std::nullopt, context, std::nullopt, call_);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(Copy(*opened->secret.plaintext), Text("hello"));
  EXPECT_EQ(LastRow().action, "kms.Decrypt");
  EXPECT_EQ(LastRow().decision, "allow");
  EXPECT_EQ(LastRow().actor, "kms:app");

  EncryptionContext other{{"tenant", "b"}, {"purpose", "test"}};
  EXPECT_EQ(Code(kms_->Decrypt(sealed->blob, std::nullopt, other, std::nullopt, call_)),
            ErrorCode::kInvalidCiphertext);
  EXPECT_EQ(Code(kms_->Decrypt(sealed->blob, std::nullopt, {}, std::nullopt, call_)),
            ErrorCode::kInvalidCiphertext);
  EXPECT_EQ(LastRow().decision, "deny");
  EXPECT_EQ(Code(kms_->Decrypt(sealed->blob, "kms-weights", context, std::nullopt, call_)),
            ErrorCode::kIncorrectKey);
  for (size_t i = 0; i < sealed->blob.size(); ++i) {  // every byte is authenticated
    Bytes altered = sealed->blob;
    altered[i] ^= 0x01;
    auto r = kms_->Decrypt(altered, std::nullopt, context, std::nullopt, call_);
    EXPECT_FALSE(r) << "byte " << i;
  }
  EXPECT_EQ(Code(kms_->Decrypt(Text("not a blob at all"), std::nullopt, {}, std::nullopt, call_)),
            ErrorCode::kInvalidCiphertext);
  EXPECT_EQ(Code(kms_->Encrypt("free-key", Bytes(4097, 1), {}, call_)),
            ErrorCode::kMalformedRequest);
}

TEST_F(KmsServiceTest, OldVersionsStillDecryptAndDisabledKeysRefuse) {
  auto sealed = kms_->Encrypt("free-key", Text("v1"), {}, call_);
  ASSERT_TRUE(sealed);
  ASSERT_TRUE(manager_->Rotate("free-key", "admin", kT));
  auto opened = kms_->Decrypt(sealed->blob, "free-key", {}, std::nullopt, call_);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Copy(*opened->secret.plaintext), Text("v1"));
  ASSERT_TRUE(manager_->SetEnabled("free-key", false, "admin", kT));
  EXPECT_EQ(Code(kms_->Decrypt(sealed->blob, std::nullopt, {}, std::nullopt, call_)),
            ErrorCode::kKeyDisabled);
  EXPECT_EQ(Code(kms_->Encrypt("free-key", Text("x"), {}, call_)), ErrorCode::kKeyDisabled);
}

TEST_F(KmsServiceTest, AGovernedKeyGivesPlaintextOnlyToAnAttestedRecipient) {
  auto made = kms_->GenerateDataKey("kms-weights", 32, {}, /*deliver=*/false, std::nullopt, call_);
  ASSERT_TRUE(made) << made.error().message;  // no plaintext leaves: allowed
  EXPECT_FALSE(made->secret);
  EXPECT_EQ(Code(kms_->Decrypt(made->blob, std::nullopt, {}, std::nullopt, call_)),
            ErrorCode::kForbidden);
  EXPECT_EQ(Code(kms_->GenerateDataKey("kms-weights", 32, {}, true, std::nullopt, call_)),
            ErrorCode::kForbidden);

  auto released = kms_->Decrypt(made->blob, std::nullopt, {}, Recipient(), call_);
  ASSERT_TRUE(released) << released.error().message;
  EXPECT_FALSE(released->secret.plaintext);
  Bytes data_key =
      testing::CmsDecrypt(*released->secret.ciphertext_for_recipient, instance_key_.get());
  EXPECT_EQ(data_key.size(), 32u);
  storage::AuditRecord row = LastRow();
  EXPECT_EQ(row.policy, "weights");
  EXPECT_NE(row.actor.find("attested:"), std::string::npos);

  // The same data key, generated with a Recipient, decrypts to what the blob holds.
  auto direct = kms_->GenerateDataKey("kms-weights", 16, {}, true, Recipient(), call_);
  ASSERT_TRUE(direct);
  Bytes direct_key =
      testing::CmsDecrypt(*direct->secret->ciphertext_for_recipient, instance_key_.get());
  auto again = kms_->Decrypt(direct->blob, std::nullopt, {}, Recipient(), call_);
  ASSERT_TRUE(again);
  EXPECT_EQ(testing::CmsDecrypt(*again->secret.ciphertext_for_recipient, instance_key_.get()),
            direct_key);

  EXPECT_EQ(Code(kms_->Decrypt(made->blob, std::nullopt, {}, Recipient(Bytes(48, 0xbb)), call_)),
            ErrorCode::kPolicyDenied);
  EXPECT_EQ(Code(kms_->Decrypt(made->blob, std::nullopt, {}, Bytes{1, 2, 3}, call_)),
            ErrorCode::kMalformedEvidence);
}

// Issue 16: attestation is the key's property. A policy (approved or not) cannot waive it; only a
// key created without it, or changed under the two-person rule, gives plaintext in the clear.
TEST_F(KmsServiceTest, APolicyCannotWaiveAKeysAttestation) {
  PutPolicy(
      "name: weights\nkeys: [kms-weights]\nplatform: nitro-enclave\n"
      "require_attestation: false\nallow:\n  - pcrs: {0: \"" +
      HexEncode(kPcr0) + "\"}\n");
  EXPECT_EQ(Code(kms_->GenerateDataKey("kms-weights", 32, {}, true, std::nullopt, call_)),
            ErrorCode::kForbidden);
  auto made = kms_->GenerateDataKey("free-key", 32, {}, true, std::nullopt, call_);
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_TRUE(made->secret->plaintext);
  auto opened = kms_->Decrypt(made->blob, std::nullopt, {}, std::nullopt, call_);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Copy(*opened->secret.plaintext), Copy(*made->secret->plaintext));
}

// Review of issue 16: were policies able to require attestation of a key whose own flag is off,
// deactivating such a policy (immediate, one principal) would turn the key's plaintext on. The
// key's flag alone decides, so what approvers saw when they approved a grant stays true.
TEST_F(KmsServiceTest, TheKeysOwnFlagAloneDecidesWhetherItReturnsPlaintext) {
  PutPolicy(
      "name: weights\nkeys: [free-key]\nplatform: nitro-enclave\nrequire_attestation: true\n"
      "allow:\n  - pcrs: {0: \"" +
      HexEncode(kPcr0) + "\"}\n");
  auto made = kms_->GenerateDataKey("free-key", 32, {}, true, std::nullopt, call_);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_TRUE(made->secret->plaintext);
  EXPECT_EQ(Code(kms_->GenerateDataKey("kms-weights", 32, {}, true, std::nullopt, call_)),
            ErrorCode::kForbidden);
}

// Issue 16: a release key's material is held by the enclaves it was released to; were it usable
// through the KMS API, they could decrypt or forge every ciphertext of it.
TEST_F(KmsServiceTest, AReleaseKeyServesNoKmsCallAndItsMaterialForgesNothing) {
  EXPECT_EQ(Code(governance_->CreateGrant({"app", "model-weights", {"Decrypt"}},
                                          {"admin", kAllRoles}, kT)),
            ErrorCode::kWrongKeyPurpose);
  // Even with a grant written straight to the database, the purpose refuses.
  ASSERT_TRUE(unit_of_work_->Run([&](storage::Tx& tx) {
    return grants_->Add(tx, {"g-raw", "app", "model-weights", GrantableKmsOperations(), "pending",
                             kT, "test", std::nullopt});
  }));
  ASSERT_TRUE(db_->Exec("UPDATE kms_grants SET status = 'active' WHERE id = 'g-raw'"));
  EXPECT_EQ(Code(kms_->Encrypt("model-weights", Text("x"), {}, call_)),
            ErrorCode::kWrongKeyPurpose);
  EXPECT_EQ(Code(kms_->GenerateDataKey("model-weights", 32, {}, false, std::nullopt, call_)),
            ErrorCode::kWrongKeyPurpose);
  EXPECT_EQ(Code(kms_->Describe("model-weights", call_)), ErrorCode::kWrongKeyPurpose);

  ReleaseOutcome released = Release(Document(Nonce()));  // an enclave gets the key
  ASSERT_TRUE(released.released);
  SecretBytes material(
      testing::CmsDecrypt(released.released->ciphertext_for_recipient, instance_key_.get()));
  // The blob key a sealed key's material gives (SealedKeystore::KmsKey).
  SoftwareGcmKey blob_key(HkdfSha256(material.span(), KmsUseLabel(KmsUse::kBlob), 32).value());
  auto forged = SealBlob({"model-weights", 1}, blob_key, Text("forged"), {}, random_);
  ASSERT_TRUE(forged);
  EXPECT_EQ(Code(kms_->Decrypt(*forged, std::nullopt, {}, std::nullopt, call_)),
            ErrorCode::kWrongKeyPurpose);
  EXPECT_EQ(LastRow().decision, "deny");
}

TEST_F(KmsServiceTest, OnlyGrantedOperationsOnGrantedKeysAreServed) {
  ASSERT_TRUE(
      db_->Exec("INSERT INTO principals (name, roles, created_at, created_by) "
                "VALUES ('other', 'kms-user', 0, 'test')"));
  KmsCall other{"other", "r2", kT};
  auto sealed = kms_->Encrypt("free-key", Text("secret"), {}, call_);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(Code(kms_->Decrypt(sealed->blob, std::nullopt, {}, std::nullopt, other)),
            ErrorCode::kForbidden);
  EXPECT_EQ(Code(kms_->Encrypt("free-key", Text("x"), {}, other)), ErrorCode::kForbidden);
  auto listed = kms_->List(other);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());

  auto made =
      governance_->CreateGrant({"other", "alias/free-key", {"Encrypt"}}, {"admin", kAllRoles}, kT);
  ASSERT_TRUE(made);
  EXPECT_EQ(made->first.key_id, "free-key");
  EXPECT_TRUE(kms_->Encrypt("free-key", Text("x"), {}, other));
  EXPECT_EQ(Code(kms_->Decrypt(sealed->blob, std::nullopt, {}, std::nullopt, other)),
            ErrorCode::kForbidden);
  EXPECT_EQ(Code(kms_->GenerateDataKey("free-key", 32, {}, true, std::nullopt, other)),
            ErrorCode::kForbidden);
  ASSERT_TRUE(governance_->RevokeGrant(made->first.id, {"admin", kAllRoles}, kT));
  EXPECT_EQ(Code(kms_->Encrypt("free-key", Text("x"), {}, other)), ErrorCode::kForbidden);
}

TEST_F(KmsServiceTest, GenerateRandomInTheClearOrToARecipient) {
  auto clear = kms_->GenerateRandom(24, std::nullopt, call_);
  ASSERT_TRUE(clear);
  EXPECT_EQ(clear->plaintext->size(), 24u);
  auto wrapped = kms_->GenerateRandom(24, Recipient(), call_);
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(testing::CmsDecrypt(*wrapped->ciphertext_for_recipient, instance_key_.get()).size(),
            24u);
  EXPECT_EQ(Code(kms_->GenerateRandom(0, std::nullopt, call_)), ErrorCode::kMalformedRequest);
  EXPECT_EQ(Code(kms_->GenerateRandom(1025, std::nullopt, call_)), ErrorCode::kMalformedRequest);
  EXPECT_EQ(Code(kms_->GenerateRandom(8, Bytes{0xa0}, call_)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(LastRow().action, "kms.GenerateRandom");
  EXPECT_EQ(LastRow().decision, "deny");
}

// Recipient freshness (issue 15, attack 3): a KMS call has no challenge of its own, so a
// captured document must not decrypt forever.
class KmsRecipientFreshnessTest : public KmsServiceTest {
 protected:
  void SetUp() override {
    KmsServiceTest::SetUp();
    PutPolicy(
        "name: weights\nkeys: [kms-weights]\nplatform: nitro-enclave\n"
        "freshness: {max_age: 3600s, nonce: optional}\nallow:\n  - pcrs: {0: \"" +
        HexEncode(kPcr0) + "\"}\n");
    auto made = kms_->GenerateDataKey("kms-weights", 32, {}, false, std::nullopt, call_);
    ASSERT_TRUE(made);
    blob_ = made->blob;
  }
  Bytes DocumentAt(Time signed_at, std::optional<Bytes> nonce) {
    auto fields = testing::MakeDocumentFields(chain_, signed_at);
    fields.pcrs[0] = kPcr0;
    fields.nonce = std::move(nonce);
    fields.public_key = testing::Spki(instance_key_.get());
    return testing::SignDocument(fields, chain_.leaf.key.get());
  }
  Result<KmsDecrypted> DecryptTo(const Bytes& document) {
    return kms_->Decrypt(blob_, std::nullopt, {}, document, call_);
  }
  Bytes blob_;
};

TEST_F(KmsRecipientFreshnessTest, ANonceInTheDocumentMustBeOursAndServesOnce) {
  EXPECT_EQ(Code(DecryptTo(DocumentAt(kT, Bytes(32, 5)))), ErrorCode::kNonceUnknown);
  EXPECT_EQ(Code(DecryptTo(DocumentAt(kT, Bytes(16, 5)))), ErrorCode::kNonceUnknown);
  Bytes ours = DocumentAt(kT, Nonce());
  ASSERT_TRUE(DecryptTo(ours));
  EXPECT_EQ(Code(DecryptTo(ours)), ErrorCode::kNonceReplayed);
  EXPECT_EQ(LastRow().decision, "deny");
  EXPECT_EQ(Code(kms_->GenerateRandom(8, ours, call_)), ErrorCode::kNonceReplayed);
}

TEST_F(KmsRecipientFreshnessTest, ADocumentWithoutANonceServesOnlyWhileRecentlySigned) {
  Bytes recent = DocumentAt(kT - std::chrono::seconds(290), std::nullopt);
  ASSERT_TRUE(DecryptTo(recent));
  ASSERT_TRUE(DecryptTo(recent));  // no nonce to spend: freshness is its signed timestamp
  // The policy allows an hour, the KMS path five minutes (recipient_max_age).
  Bytes old = DocumentAt(kT - std::chrono::seconds(301), std::nullopt);
  EXPECT_EQ(Code(DecryptTo(old)), ErrorCode::kStaleEvidence);
  EXPECT_EQ(Code(kms_->GenerateRandom(8, old, call_)), ErrorCode::kStaleEvidence);
  Bytes ahead = DocumentAt(kT + std::chrono::seconds(120), std::nullopt);
  EXPECT_EQ(Code(DecryptTo(ahead)), ErrorCode::kStaleEvidence);
}

}  // namespace
}  // namespace kb::broker
