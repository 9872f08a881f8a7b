// Routing, the JSON codec and the error mapping, through Route() without sockets, over a real
// release service.

#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/error_status.h"
#include "api/release_codec.h"
#include "api/routes.h"
#include "broker/evidence/cose_sign1.h"
#include "dev/nitro_document_encoder.h"
#include "tests/support/release_fixture.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::kT;

class RouterTest : public testing::ReleaseFixture {
 protected:
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& type = "application/json",
                    Time now = kT) {
    Services services{*service_, true};
    return Route({method, target, type, body, "req-7"}, services, now);
  }
  // POST /v1/release of `document` for `key`; the status and the error code.
  std::pair<int, std::string> Refusal(const Bytes& document,
                                      const std::string& key = "model-weights", Time now = kT) {
    std::string body = R"({"key_id": ")" + key +
                       R"(", "evidence": {"type": "auto", "document": ")" + Base64Encode(document) +
                       "\"}}";
    HttpResponse r = Call("POST", "/v1/release", body, "application/json", now);
    auto j = Json(r);
    EXPECT_TRUE(j.contains("decision_id")) << r.body;
    return {r.status, std::string(j["error"].as_string())};
  }
  std::string ReleaseBody(const Bytes& document, const std::string& extra = "") {
    return R"({"key_id": "model-weights", "evidence": {"type": "auto", "document": ")" +
           Base64Encode(document) + "\"}" + extra + "}";
  }
  Bytes ChallengeNonce() {
    HttpResponse r = Call("POST", "/v1/challenge");
    EXPECT_EQ(r.status, 200);
    auto j = json::parse(r.body).as_object();
    EXPECT_EQ(j.size(), 2u);
    return HexDecode(std::string(j["nonce"].as_string())).value();
  }
  static json::object Json(const HttpResponse& r) { return json::parse(r.body).as_object(); }
};

TEST_F(RouterTest, ChallengeThenReleaseOverTheApi) {
  HttpResponse r = Call("POST", "/v1/release", ReleaseBody(Document(ChallengeNonce())));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["key_id"], "model-weights");
  EXPECT_EQ(j["format"], "cms");
  EXPECT_EQ(j["policy"], "weights");
  EXPECT_EQ(j.size(), 7u);
  Bytes wrapped = Base64Decode(std::string(j["ciphertext_for_recipient"].as_string())).value();
  auto key = manager_->UnsealCurrent("model-weights");
  EXPECT_EQ(testing::CmsDecrypt(wrapped, instance_key_.get()),
            Bytes(key->material.span().begin(), key->material.span().end()));
}

TEST_F(RouterTest, ErrorsCarryTheContractCodeStatusAndDecisionId) {
  Bytes doc = Document(ChallengeNonce());
  ASSERT_EQ(Call("POST", "/v1/release", ReleaseBody(doc)).status, 200);
  HttpResponse replay = Call("POST", "/v1/release", ReleaseBody(doc));
  EXPECT_EQ(replay.status, 403);
  auto j = Json(replay);
  EXPECT_EQ(j["error"], "nonce_replayed");
  EXPECT_TRUE(j.contains("decision_id"));
  HttpResponse denied =
      Call("POST", "/v1/release", ReleaseBody(Document(ChallengeNonce(), Bytes(48, 1))));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(Json(denied)["error"], "policy_denied");
  EXPECT_EQ(Json(denied)["message"], "no policy allows releasing this key to this attestation");
}

TEST_F(RouterTest, MalformedRequestsAreRefusedBeforeTheBroker) {
  Bytes doc = Document(ChallengeNonce());
  for (const std::string& body : std::vector<std::string>{
           std::string("not json"), std::string("[]"), std::string("{}"),
           std::string(R"({"key_id": 5, "evidence": {}})"),
           R"({"key_id": "bad id", "evidence": {"type": "auto", "document": "AA=="}})",
           R"({"key_id": "k", "evidence": {"type": "sgx", "document": "AA=="}})",
           R"({"key_id": "k", "evidence": {"type": "auto", "document": "***"}})",
           R"({"key_id": "k", "evidence": {"type": "auto", "document": ""}})",
           R"({"key_id": "k", "evidence": {"type": "auto", "document": "AA==", "x": 1}})",
           ReleaseBody(doc, R"(, "format": "jwe")"), ReleaseBody(doc, R"(, "extra": true)"),
           std::string("{\"a\":") + std::string(100, '[') + std::string(100, ']') + "}"}) {
    HttpResponse r = Call("POST", "/v1/release", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 80);
    EXPECT_EQ(Json(r)["error"], "malformed_request") << body.substr(0, 80);
  }
  EXPECT_EQ(Call("POST", "/v1/release", ReleaseBody(doc), "text/plain").status, 400);
  HttpResponse huge = Call("POST", "/v1/release", std::string(kReleaseBodyLimit + 1, ' '));
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(Json(huge)["error"], "payload_too_large");
  // None of those spent the nonce.
  EXPECT_EQ(Call("POST", "/v1/release", ReleaseBody(doc)).status, 200);
}

TEST_F(RouterTest, RoutesHealthAndRefusesUnknownRoutesAndMethods) {
  HttpResponse health = Call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(Json(health).contains("warning"));  // a development root is trusted here
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  HttpResponse missing = Call("GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing)["error"], "not_found");
  EXPECT_EQ(Call("GET", "/v1/release").status, 405);
  EXPECT_EQ(Call("DELETE", "/healthz").status, 405);
}

TEST(RouteLabel, NamesPublicRoutesAndSurfacesAndNothingElse) {
  EXPECT_EQ(RouteLabel("/healthz"), "/healthz");
  EXPECT_EQ(RouteLabel("/v1/release"), "/v1/release");
  EXPECT_EQ(RouteLabel("/v1/admin/keys/k/rotate"), "/v1/admin");
  EXPECT_EQ(RouteLabel("/v1/admin/nope"), "/v1/admin");
  EXPECT_EQ(RouteLabel("/"), "/ (kms)");
  EXPECT_EQ(RouteLabel("/nope"), "unknown");
  EXPECT_EQ(RouteLabel("/healthz/"), "unknown");
}

TEST_F(RouterTest, RsaOaep256FormatOverTheApi) {
  HttpResponse r = Call("POST", "/v1/release",
                        ReleaseBody(Document(ChallengeNonce()), R"(, "format": "rsa-oaep-256")"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["format"], "rsa-oaep-256");
}

TEST_F(RouterTest, EveryReleaseErrorOfTheContractIsReachableOverTheApi) {
  using P = std::pair<int, std::string>;
  Bytes tampered = Document(ChallengeNonce());
  tampered.back() ^= 1;
  EXPECT_EQ(Refusal(tampered), (P{403, "bad_signature"}));
  EXPECT_EQ(Refusal(Bytes{0x01, 0x02}), (P{400, "malformed_evidence"}));
  auto cose = broker::ParseCoseSign1(Document(ChallengeNonce()));
  ASSERT_TRUE(cose);
  Bytes es256 = broker::EncodeCoseSign1(Bytes{0xa1, 0x01, 0x26}, cose->payload, cose->signature)
                    .value();  // protected header {1: -7}
  EXPECT_EQ(Refusal(es256), (P{400, "unsupported_algorithm"}));
  testing::TestChain other = testing::MakeChain(kT);
  auto fields = testing::MakeDocumentFields(other, kT);
  fields.nonce = ChallengeNonce();
  EXPECT_EQ(Refusal(testing::SignDocument(fields, other.leaf.key.get())),
            (P{403, "untrusted_chain"}));
  EXPECT_EQ(Refusal(Document(ChallengeNonce()), "model-weights", kT + std::chrono::hours(4)),
            (P{403, "certificate_expired"}));
  EXPECT_EQ(Refusal(Document(Bytes(32, 9))), (P{403, "nonce_unknown"}));
  EXPECT_EQ(Refusal(Document(ChallengeNonce()), "model-weights", kT + std::chrono::minutes(6)),
            (P{403, "nonce_expired"}));
  Bytes doc = Document(ChallengeNonce());
  ASSERT_EQ(Refusal(Document(ChallengeNonce()), "unnamed"), (P{403, "policy_denied"}));
  EXPECT_EQ(Refusal(doc, "ghost"), (P{404, "key_not_found"}));
  ASSERT_TRUE(manager_->SetEnabled("model-weights", false, "admin", kT));
  EXPECT_EQ(Refusal(Document(ChallengeNonce())), (P{403, "key_disabled"}));
  ASSERT_TRUE(manager_->SetEnabled("model-weights", true, "admin", kT));
  auto ec = testing::GenerateKey(testing::KeyType::kP256);
  EXPECT_EQ(Refusal(Document(ChallengeNonce(), testing::kPcr0, ec.get())),
            (P{400, "unsupported_public_key"}));
}

TEST(HttpStatus, MapsEveryContractCode) {
  EXPECT_EQ(HttpStatus(ErrorCode::kMalformedEvidence), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnsupportedPublicKey), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(HttpStatus(ErrorCode::kNonceReplayed), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kKeyNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatus(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(HttpStatus(ErrorCode::kInternal), 500);
  for (int c = 0; c <= int(ErrorCode::kInternal); ++c) {
    int status = HttpStatus(ErrorCode(c));
    EXPECT_TRUE(status >= 400 && status < 600) << c;
  }
}

}  // namespace
}  // namespace kb::api
