// Issue 15's evidence attacks, replayed against a whole broker (cli::AssembleBroker over real
// SQLite, real TLS on 127.0.0.1) through /v1/release and the KMS API, with quotes from a real
// swtpm and attestation keys and policies approved through the admin API (two-person rule).

#include <gtest/gtest.h>

#include "api/kms/kms_api.h"
#include "crypto/digest.h"
#include "tests/support/admin_server.h"
#include "tests/support/kms_request.h"
#include "tests/support/swtpm_evidence.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::kT;

class EvidenceAttacks : public testing::AdminServer {
 protected:
  // One enclave identity may release three times before it waits (minutes, on this clock).
  EvidenceAttacks() { config_.rate_limits.per_identity = RateLimit{0.01, 3}; }

  void SetUp() override {
    AdminServer::SetUp();
    ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", kT));
    ASSERT_TRUE(broker_.manager->CreateGenerated("host-key", "test", kT));
  }
  // policy-author proposes, approver approves: version 1 of `name` is active.
  void ActivatePolicy(const std::string& name, const std::string& yaml) {
    auto put = Call("policy-author", "PUT", "/v1/admin/policies/" + name, yaml, "text/yaml");
    ASSERT_EQ(put.status, 201) << put.body;
    auto approved =
        Call("approver", "POST", "/v1/admin/policies/" + name + "/approve", R"({"version": 1})");
    ASSERT_EQ(approved.status, 200) << approved.body;
  }
  // policy-author registers a TPM attestation key, approver approves: quotes it signs verify.
  void TrustAk(const Bytes& tpm2b_public) {
    auto registered = Call("policy-author", "POST", "/v1/admin/attestation-keys",
                           json::serialize(json::object{{"public_key", Base64Encode(tpm2b_public)},
                                                        {"description", "swtpm"}}));
    ASSERT_EQ(registered.status, 201) << registered.body;
    std::string id(Json(registered)["id"].as_string());
    ASSERT_EQ(Call("approver", "POST", "/v1/admin/attestation-keys/" + id + "/approve").status,
              200);
  }
  Bytes ChallengeNonce() {
    auto challenge = Json(Call("", "POST", "/v1/challenge"));
    return HexDecode(std::string(challenge["nonce"].as_string())).value();
  }
  // A swtpm quote of `selection` bound to `nonce` and the instance key, reporting `pcrs`
  // (index -> hex; empty: what the TPM holds), as a tpm2-quote evidence document.
  testing::SwtpmQuote Quote(const std::string& extend, const std::string& selection,
                            const Bytes& nonce) {
    return testing::MakeSwtpmQuote(extend, selection, nonce, testing::Spki(instance_key_.get()));
  }
  static Bytes Evidence(const testing::SwtpmQuote& quote,
                        const std::map<int, std::string>& reported) {
    json::object evidence = quote.evidence;
    evidence["pcrs"] = testing::Sha256Pcrs(reported);
    std::string text = json::serialize(evidence);
    return Bytes(text.begin(), text.end());
  }
  HttpResponse PostRelease(const std::string& key, const Bytes& document) {
    std::string body = R"({"key_id": ")" + key +
                       R"(", "evidence": {"type": "auto", "document": ")" + Base64Encode(document) +
                       "\"}}";
    return Call("", "POST", "/v1/release", body);
  }
  static std::string TpmPolicy(const std::string& pcr0, const std::string& pcr7) {
    return "name: host\nkeys: [host-key, kms-host-key]\nplatform: tpm2-quote\nallow:\n  - pcrs: "
           "{0: \"" +
           pcr0 + "\", 7: \"" + pcr7 + "\"}\n";
  }
  // A genuine machine: PCR0 and PCR7 measured and quoted; the policy allows exactly these.
  testing::SwtpmQuote TrustedHostWithPolicy() {
    testing::SwtpmQuote honest = Quote("0,7", "sha256:0,7", ChallengeNonce());
    TrustAk(honest.ak_tpm2b);
    ActivatePolicy("host", TpmPolicy(honest.pcr_hex.at(0), honest.pcr_hex.at(7)));
    return honest;
  }
};

TEST_F(EvidenceAttacks, ARepeatedBankCannotSmuggleAnUnquotedPcrIntoARelease) {
  testing::SwtpmQuote honest = TrustedHostWithPolicy();
  auto genuine = PostRelease("host-key", Evidence(honest, honest.pcr_hex));
  ASSERT_EQ(genuine.status, 200) << genuine.body;  // the policy does allow the measured machine

  // A machine that never measured PCR7 quotes PCR0 twice and reports the wanted PCR7.
  testing::SwtpmQuote forged = Quote("0", "sha256:0+sha256:0", ChallengeNonce());
  TrustAk(forged.ak_tpm2b);
  auto attack = PostRelease(
      "host-key", Evidence(forged, {{0, forged.pcr_hex.at(0)}, {7, honest.pcr_hex.at(7)}}));
  EXPECT_EQ(attack.status, 400) << attack.body;
  EXPECT_EQ(Code(attack), "malformed_evidence") << attack.body;
}

TEST_F(EvidenceAttacks, LeavingADeniedPcrOutOfTheQuoteDoesNotLiftTheDeny) {
  testing::SwtpmQuote honest = Quote("0,7,14", "sha256:0,7,14", ChallengeNonce());
  TrustAk(honest.ak_tpm2b);
  std::string denied_pcr14 = honest.pcr_hex.at(14);  // say, a debug kernel's measurement
  ActivatePolicy("host", TpmPolicy(honest.pcr_hex.at(0), honest.pcr_hex.at(7)) +
                             "deny:\n  - pcrs: {14: \"" + denied_pcr14 + "\"}\n");
  auto denied = PostRelease("host-key", Evidence(honest, honest.pcr_hex));
  EXPECT_EQ(Code(denied), "policy_denied") << denied.body;
  // The same host quotes only what the allow rule needs, hiding PCR14.
  testing::SwtpmQuote partial = Quote("0,7,14", "sha256:0,7", ChallengeNonce());
  TrustAk(partial.ak_tpm2b);
  auto hidden = PostRelease(
      "host-key", Evidence(partial, {{0, partial.pcr_hex.at(0)}, {7, partial.pcr_hex.at(7)}}));
  EXPECT_EQ(Code(hidden), "policy_denied") << hidden.body;
}

TEST_F(EvidenceAttacks, ReplayingAnotherEnclavesDocumentSpendsNoneOfItsBudget) {
  ActivatePolicy("weights",
                 "name: weights\nkeys: [model-weights]\nplatform: nitro-enclave\n"
                 "allow:\n  - pcrs: {0: \"" +
                     HexEncode(Bytes(48, 0xaa)) + "\"}\n");
  Bytes captured = Document(ChallengeNonce());
  ASSERT_EQ(PostRelease("model-weights", captured).status, 200);
  for (int i = 0; i < 5; ++i) {  // more than the identity's whole budget
    auto replay = PostRelease("model-weights", captured);
    EXPECT_EQ(Code(replay), "nonce_replayed") << replay.body;
  }
  auto own = PostRelease("model-weights", Document(ChallengeNonce()));
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Code(PostRelease("model-weights", Document(Bytes(32, 1)))), "nonce_unknown");
  EXPECT_EQ(PostRelease("model-weights", Document(ChallengeNonce())).status, 200);
  EXPECT_EQ(Code(PostRelease("model-weights", Document(ChallengeNonce()))), "rate_limited");
}

// The KMS API's Recipient, which carries no challenge of the KMS call's own. The KMS keys are
// kms keys (a release key serves no KMS call), granted to "app".
class RecipientAttacks : public EvidenceAttacks {
 protected:
  void SetUp() override {
    EvidenceAttacks::SetUp();
    AddPrincipal("app", {"kms-user"});
    auto issued = broker_.access_keys->Issue("app", "test", kT, /*approved=*/true);
    ASSERT_TRUE(issued);
    app_ = {issued->id, issued->secret};
    for (const char* key : {"kms-weights", "kms-host-key"}) {
      CreateKmsKey(key);
      GrantKms("app", key, {"Encrypt", "Decrypt"});
    }
  }
  HttpResponse Kms(const std::string& operation, const json::object& body) {
    return kms::RouteKms(
        testing::SignedKmsRequest("TrentService." + operation, json::serialize(body), app_),
        *broker_.kms_api, kT);
  }
  std::string Blob(const std::string& key) {
    auto r = Kms("Encrypt", {{"KeyId", key}, {"Plaintext", "aGVsbG8="}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(json::parse(r.body).at("CiphertextBlob").as_string()) : "";
  }
  HttpResponse DecryptTo(const std::string& blob, const Bytes& document) {
    return Kms("Decrypt",
               {{"CiphertextBlob", blob},
                {"Recipient", json::object{{"KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256"},
                                           {"AttestationDocument", Base64Encode(document)}}}});
  }
  static std::string Message(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return v.as_object().contains("message") ? std::string(v.at("message").as_string()) : r.body;
  }
  testing::KmsAccessKey app_;
};

TEST_F(RecipientAttacks, ATpmQuoteServesOnlyWithOneOfOurNoncesAndOnlyOnce) {
  testing::SwtpmQuote honest = TrustedHostWithPolicy();
  std::string blob = Blob("kms-host-key");
  // Captured once from a machine that later booted other code: its own nonce, no challenge.
  testing::SwtpmQuote captured = Quote("0,7", "sha256:0,7", Bytes(32, 0x42));
  TrustAk(captured.ak_tpm2b);
  auto replayed = DecryptTo(blob, Evidence(captured, captured.pcr_hex));
  EXPECT_EQ(replayed.status, 400) << replayed.body;
  EXPECT_NE(Message(replayed).find("nonce_unknown"), std::string::npos) << replayed.body;

  Bytes fresh = Evidence(honest, honest.pcr_hex);  // its nonce came from /v1/challenge
  auto served = DecryptTo(blob, fresh);
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_TRUE(json::parse(served.body).as_object().contains("CiphertextForRecipient"));
  auto again = DecryptTo(blob, fresh);
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_NE(Message(again).find("nonce_replayed"), std::string::npos) << again.body;
}

TEST_F(RecipientAttacks, ANitroDocumentServesOnlyWhileRecentlySigned) {
  ActivatePolicy("weights",
                 "name: weights\nkeys: [kms-weights]\nplatform: nitro-enclave\n"
                 "freshness: {max_age: 86400s, nonce: optional}\n"
                 "allow:\n  - pcrs: {0: \"" +
                     HexEncode(Bytes(48, 0xaa)) + "\"}\n");
  std::string blob = Blob("kms-weights");
  auto fields = testing::MakeDocumentFields(chain_, kT - std::chrono::minutes(10));
  for (uint32_t i = 0; i < 3; ++i) fields.pcrs[i] = Bytes(48, 0xaa);
  fields.nonce = std::nullopt;
  fields.public_key = testing::Spki(instance_key_.get());
  Bytes old = testing::SignDocument(fields, chain_.leaf.key.get());
  auto refused = DecryptTo(blob, old);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(Message(refused).find("stale_evidence"), std::string::npos) << refused.body;
  EXPECT_EQ(DecryptTo(blob, Document({})).status, 200);  // signed now, without a nonce

  Bytes foreign_nonce = Document(Bytes(32, 9));
  EXPECT_NE(Message(DecryptTo(blob, foreign_nonce)).find("nonce_unknown"), std::string::npos);
  Bytes ours = Document(ChallengeNonce());
  EXPECT_EQ(DecryptTo(blob, ours).status, 200);
  EXPECT_NE(Message(DecryptTo(blob, ours)).find("nonce_replayed"), std::string::npos);
}

}  // namespace
}  // namespace kb::api
