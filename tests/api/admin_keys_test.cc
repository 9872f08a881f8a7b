// Keys, key import, the policy dry run and TPM attestation keys through the admin API, over
// real TLS; the importer's wrap and the instance's unwrap are done by the OpenSSL command line.

#include <fstream>
#include <iterator>

#include "tests/support/admin_server.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::AdminServer;

void WriteBytes(const std::string& path, ByteSpan bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

Bytes ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class AdminKeysTest : public AdminServer {
 protected:
  // A reference for PCRs 0xaa and an active policy releasing `key` to it.
  void AllowRelease(const std::string& key) {
    ASSERT_EQ(
        Call("policy-author", "POST", "/v1/admin/references?name=enclave@1", NitroCliJson()).status,
        201);
    ASSERT_EQ(Call("approver", "POST", "/v1/admin/references/enclave@1/approve").status, 200);
    ASSERT_EQ(Call("policy-author", "PUT", "/v1/admin/policies/weights",
                   PolicyYaml("enclave@1", key), "text/yaml")
                  .status,
              201);
    ASSERT_EQ(
        Call("approver", "POST", "/v1/admin/policies/weights/approve", R"({"version": 1})").status,
        200);
  }
  json::object ImportParameters(const std::string& id) {
    auto r = Call("key-manager", "GET", "/v1/admin/keys/" + id + "/import-parameters");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  }
  // The importer's side, with the OpenSSL command line: RSAES-OAEP-SHA-256 to the wrapping key.
  std::string WrapWithOpenssl(const json::object& params, const Bytes& secret) {
    Bytes der = Base64Decode(std::string(params.at("public_key").as_string())).value();
    WriteBytes(dir_ + "/wrapping.der", der);
    WriteBytes(dir_ + "/secret.bin", secret);
    std::string cmd = "openssl pkeyutl -encrypt -pubin -keyform DER -inkey " + dir_ +
                      "/wrapping.der -in " + dir_ + "/secret.bin -out " + dir_ +
                      "/wrapped.bin -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 "
                      "-pkeyopt rsa_mgf1_md:sha256";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return Base64Encode(ReadBytes(dir_ + "/wrapped.bin"));
  }
  HttpResponse Import(const std::string& id, const std::string& token, const std::string& wrapped) {
    return Call("key-manager", "POST", "/v1/admin/keys/" + id + "/import",
                json::serialize(
                    json::object{{"import_token", token}, {"encrypted_key_material", wrapped}}));
  }
  // The instance's side: `openssl cms -decrypt` of a 200 release.
  Bytes UnwrapWithOpenssl(const HttpResponse& release) {
    Bytes cms =
        Base64Decode(std::string(Json(release)["ciphertext_for_recipient"].as_string())).value();
    WriteBytes(dir_ + "/released.der", cms);
    std::ofstream(dir_ + "/instance.pem")
        << broker::BuiltCert{nullptr, std::move(instance_key_), {}}.KeyPem();
    EXPECT_EQ(
        std::system(("openssl cms -decrypt -inform DER -in " + dir_ + "/released.der -inkey " +
                     dir_ + "/instance.pem -binary -out " + dir_ + "/unwrapped.bin")
                        .c_str()),
        0);
    return ReadBytes(dir_ + "/unwrapped.bin");
  }
  std::string TpmPolicy() {
    return "name: tpm\nkeys: [host-key]\nplatform: tpm2-quote\nallow:\n  - pcrs: {0: \"" +
           HexEncode(Bytes(32, 0)) + "\"}\n";
  }
  HttpResponse EvaluateTpm() {
    std::ifstream in(testing::VectorPath("tpm2/quote-ecc.json"));
    std::string quote((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json::object body{{"evidence", json::object{{"type", "tpm2-quote"},
                                                {"document", Base64Encode(AsBytes(quote))}}},
                      {"version", 1}};
    return Call("auditor", "POST", "/v1/admin/policies/tpm:evaluate", json::serialize(body));
  }
};

TEST_F(AdminKeysTest, ImportedSecretComesOutOfAReleaseByteForByte) {
  Bytes secret(48);
  for (size_t i = 0; i < secret.size(); ++i) secret[i] = uint8_t(i * 7 + 1);
  auto params = ImportParameters("imported");
  EXPECT_EQ(params["wrapping_algorithm"], "RSAES_OAEP_SHA_256");
  std::string token(params["import_token"].as_string());
  std::string wrapped = WrapWithOpenssl(params, secret);
  auto imported = Import("imported", token, wrapped);
  ASSERT_EQ(imported.status, 201) << imported.body;
  EXPECT_EQ(Json(imported)["origin"], "imported");
  AllowRelease("imported");
  auto release = Release("imported");
  ASSERT_EQ(release.status, 200) << release.body;
  EXPECT_EQ(UnwrapWithOpenssl(release), secret);
  auto audit = Call("auditor", "GET", "/v1/admin/audit?limit=1000").body;
  EXPECT_NE(audit.find("key.import-parameters"), std::string::npos);

  // One use per token; an existing key takes no parameters.
  EXPECT_EQ(Code(Import("imported", token, wrapped)), "malformed_request");
  EXPECT_EQ(Call("key-manager", "GET", "/v1/admin/keys/imported/import-parameters").status, 409);
}

TEST_F(AdminKeysTest, ImportRefusesForeignExpiredAndGarbledInput) {
  Bytes secret(32, 9);
  auto for_a = ImportParameters("key-a");
  std::string token_a(for_a["import_token"].as_string());
  std::string wrapped_a = WrapWithOpenssl(for_a, secret);
  EXPECT_EQ(Code(Import("key-b", token_a, wrapped_a)), "malformed_request");  // another key's
  EXPECT_EQ(Code(Import("key-a", token_a, wrapped_a)), "malformed_request");  // and now used

  auto fresh = ImportParameters("key-a");
  std::string token(fresh["import_token"].as_string());
  EXPECT_EQ(Code(Import("key-a", token, Base64Encode(Bytes(384, 1)))), "malformed_request");
  auto later = ImportParameters("key-a");
  clock_.Advance(std::chrono::hours(25));
  EXPECT_EQ(Code(Import("key-a", std::string(later["import_token"].as_string()),
                        WrapWithOpenssl(later, secret))),
            "malformed_request");
  EXPECT_EQ(Code(Import("key-a", "nope", "!!")), "malformed_request");
  EXPECT_EQ(Call("key-manager", "GET", "/v1/admin/keys/key-a").status, 404);
}

TEST_F(AdminKeysTest, KeyLifecycleShowsMetadataNeverMaterial) {
  auto created = Call("key-manager", "POST", "/v1/admin/keys", R"({"id": "model-weights"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Call("key-manager", "POST", "/v1/admin/keys", R"({"id": "model-weights"})").status,
            409);
  EXPECT_EQ(Code(Call("key-manager", "POST", "/v1/admin/keys", R"({"id": "bad id"})")),
            "malformed_request");
  AllowRelease("model-weights");
  auto material = broker_.manager->UnsealCurrent("model-weights");
  ASSERT_TRUE(material);
  std::string hex = HexEncode(material->material.span());
  std::string b64 = Base64Encode(material->material.span());
  auto rotated = Json(Call("key-manager", "POST", "/v1/admin/keys/model-weights/rotate"));
  EXPECT_EQ(rotated["current_version"], 2);
  EXPECT_EQ(Call("key-manager", "POST", "/v1/admin/keys/model-weights/disable").status, 200);
  EXPECT_EQ(Code(Release("model-weights")), "key_disabled");
  EXPECT_EQ(Json(Call("auditor", "GET", "/v1/admin/keys/model-weights"))["enabled"], false);
  EXPECT_EQ(Call("key-manager", "POST", "/v1/admin/keys/model-weights/enable").status, 200);
  EXPECT_EQ(Release("model-weights").status, 200);
  EXPECT_EQ(Call("key-manager", "POST", "/v1/admin/keys/nope/rotate").status, 404);
  for (const char* path : {"/v1/admin/keys", "/v1/admin/keys/model-weights"}) {
    std::string body = Call("auditor", "GET", path).body;
    EXPECT_EQ(body.find(hex), std::string::npos);
    EXPECT_EQ(body.find(b64), std::string::npos);
  }
}

TEST_F(AdminKeysTest, DryRunExplainsAndReleasesNothing) {
  AllowRelease("model-weights");
  auto evaluate = [&](const Bytes& document, const std::string& extra = "") {
    return Call("auditor", "POST", "/v1/admin/policies/weights:evaluate",
                R"({"evidence": {"type": "auto", "document": ")" + Base64Encode(document) + "\"}" +
                    extra + "}");
  };
  auto denied = Json(evaluate(Document({})));  // no nonce, and the policy requires one
  EXPECT_EQ(denied["decision"], "deny");
  EXPECT_FALSE(denied["explanation"].as_array().empty());
  auto allowed = evaluate(Document(Bytes(32, 1)));
  EXPECT_EQ(Json(allowed)["decision"], "allow") << allowed.body;
  EXPECT_EQ(Json(allowed)["claims"].as_object().at("platform"), "nitro-enclave");
  EXPECT_EQ(Json(evaluate(Document(Bytes(32, 1), 0xbb)))["decision"], "deny");
  EXPECT_EQ(Json(evaluate(Document(Bytes(32, 1)), R"(, "version": 1)"))["version"], 1);
  EXPECT_EQ(Code(evaluate(Document(Bytes(32, 1)), R"(, "version": 7)")), "not_found");
  EXPECT_EQ(Code(evaluate(Bytes{1, 2, 3})), "malformed_evidence");
  EXPECT_EQ(Code(evaluate(Document(Bytes(32, 1)), R"(, "at": "2040-01-01T00:00:00Z")")),
            "certificate_expired");
  EXPECT_EQ(Code(evaluate(Document(Bytes(32, 1)), R"(, "at": "yesterday")")), "malformed_request");
  EXPECT_EQ(Call("auditor", "POST", "/v1/admin/policies/nope:evaluate",
                 R"({"evidence": {"type": "auto", "document": "AAAA"}})")
                .status,
            404);
  auto rows = Json(Call("auditor", "GET", "/v1/admin/audit?limit=1000"));
  for (const auto& row : rows["rows"].as_array()) {
    EXPECT_NE(row.as_object().at("action"), "release");
  }
}

TEST_F(AdminKeysTest, AttestationKeysTakeEffectWhenApprovedAndStopWhenRevoked) {
  ASSERT_EQ(Call("policy-author", "PUT", "/v1/admin/policies/tpm", TpmPolicy(), "text/yaml").status,
            201);
  EXPECT_EQ(Code(EvaluateTpm()), "bad_signature");
  std::string ak = Base64Encode(ReadBytes(testing::VectorPath("tpm2/ak-ecc.tpm2b")));
  auto registered =
      Call("policy-author", "POST", "/v1/admin/attestation-keys",
           json::serialize(json::object{{"public_key", ak}, {"description", "swtpm test AK"}}));
  ASSERT_EQ(registered.status, 201) << registered.body;
  std::string id(Json(registered)["id"].as_string());
  EXPECT_EQ(id.rfind("ak:", 0), 0u);
  EXPECT_EQ(Code(EvaluateTpm()), "bad_signature");  // pending
  ASSERT_EQ(Call("approver", "POST", "/v1/admin/attestation-keys/" + id + "/approve").status, 200);
  auto trusted = EvaluateTpm();
  EXPECT_EQ(trusted.status, 200) << trusted.body;
  EXPECT_EQ(Json(Call("auditor", "GET", "/v1/admin/attestation-keys"))["attestation_keys"]
                .as_array()[0]
                .as_object()
                .at("status"),
            "active");
  ASSERT_EQ(Call("approver", "POST", "/v1/admin/attestation-keys/" + id + "/revoke").status, 200);
  EXPECT_EQ(Code(EvaluateTpm()), "bad_signature");
  EXPECT_EQ(Call("policy-author", "POST", "/v1/admin/attestation-keys",
                 json::serialize(json::object{{"public_key", ak}}))
                .status,
            409);  // a revoked key stays revoked
  EXPECT_EQ(Code(Call("policy-author", "POST", "/v1/admin/attestation-keys",
                      R"({"public_key": "AAAA"})")),
            "malformed_request");
}

TEST_F(AdminKeysTest, TokensAndSecretsNeverReachTheAuditLogOrTheDatabase) {
  Bytes secret(32);
  for (size_t i = 0; i < secret.size(); ++i) secret[i] = uint8_t(0xc0 + i);
  auto params = ImportParameters("imported");
  std::string import_token(params["import_token"].as_string());
  ASSERT_EQ(Import("imported", import_token, WrapWithOpenssl(params, secret)).status, 201);
  std::string token(
      Json(Call("admin", "POST", "/v1/admin/principals/auditor/tokens"))["token"].as_string());
  AllowRelease("imported");
  ASSERT_EQ(Release("imported").status, 200);
  std::string audit = Call("auditor", "GET", "/v1/admin/audit?limit=1000").body;
  std::vector<std::string> needles = {token, import_token, HexEncode(secret), Base64Encode(secret),
                                      std::string(secret.begin(), secret.end())};
  for (const auto& [name, t] : tokens_) needles.push_back(t);
  for (const std::string& file : {std::string("/kb.db"), std::string("/kb.db-wal")}) {
    Bytes bytes = ReadBytes(dir_ + file);
    std::string content(bytes.begin(), bytes.end());
    for (const std::string& needle : needles) {
      EXPECT_EQ(content.find(needle), std::string::npos) << file;
      EXPECT_EQ(audit.find(needle), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace kb::api
