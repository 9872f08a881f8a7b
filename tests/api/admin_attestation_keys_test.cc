// TPM attestation keys through the admin API and the CLI, over real TLS, against the forgery
// they must prevent: a key that is not a restricted TPM key signs whatever it is given, so a host
// holding one can TPM2_Sign a hand-made TPMS_ATTEST (tests/support/swtpm_sign.sh does it with a
// real swtpm). New registrations must be TPM2B_PUBLIC of restricted signing keys; PEM rows from
// before keep verifying but are shown as unproven.

#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "broker/evidence/attestation_keys.h"
#include "crypto/digest.h"
#include "tests/support/admin_server.h"
#include "tests/support/cli_runner.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using testing::AdminServer;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

json::object ReadJson(const std::string& path) { return json::parse(ReadText(path)).as_object(); }

class AdminAttestationKeysTest : public AdminServer {
 protected:
  void SetUp() override {
    AdminServer::SetUp();
    // Allows PCR 4 = 0x11.. only: the genuine quote (tests/vectors/tpm2) does not have it.
    std::string policy =
        "name: tpm\nkeys: [host-key]\nplatform: tpm2-quote\nallow:\n"
        "  - pcrs: {4: \"" +
        HexEncode(Bytes(32, 0x11)) + "\"}\n";
    ASSERT_EQ(Call("policy-author", "PUT", "/v1/admin/policies/tpm", policy, "text/yaml").status,
              201);
  }

  HttpResponse Register(const std::string& public_key) {
    return Call("policy-author", "POST", "/v1/admin/attestation-keys",
                json::serialize(json::object{{"public_key", public_key}}));
  }
  std::string Message(const HttpResponse& r) {
    auto j = Json(r);
    return j.contains("message") ? std::string(j["message"].as_string()) : r.body;
  }
  // The policy dry run on tpm2-quote evidence: 200 with the decision once a trusted AK signed it.
  HttpResponse Evaluate(const json::object& evidence) {
    json::object body{
        {"evidence", json::object{{"type", "tpm2-quote"},
                                  {"document", Base64Encode(AsBytes(json::serialize(evidence)))}}},
        {"version", 1}};
    return Call("auditor", "POST", "/v1/admin/policies/tpm:evaluate", json::serialize(body));
  }
  // A row as the broker stored it before PEM was refused, written straight into the database,
  // then the start-up load of the live set (AdminService::LoadAttestationKeys).
  std::string InsertLegacyPemRow(const std::string& pem, const std::string& status = "active") {
    auto parsed = broker::AttestationKeys::ParseStored(AsBytes(pem));
    EXPECT_TRUE(parsed);
    if (!parsed) return "";
    std::string id = "ak:" + HexEncode(parsed->spki_sha256);
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ + "/kb.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* insert = nullptr;
    EXPECT_EQ(
        sqlite3_prepare_v2(db,
                           "INSERT INTO attestation_keys (id, public_key, status, description, "
                           "created_at, created_by) VALUES (?1, ?2, ?3, 'pre-upgrade', 0, "
                           "'policy-author')",
                           -1, &insert, nullptr),
        SQLITE_OK);
    sqlite3_bind_text(insert, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 2, pem.data(), int(pem.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, status.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    auto loaded = broker_.admin->LoadAttestationKeys();
    EXPECT_TRUE(loaded) << loaded.error().message;
    return id;
  }
  json::object Healthz() { return Json(Call("", "GET", "/healthz")); }
  testing::CliRun AdminCli(const std::string& args) {
    return testing::Keybroker("admin " + args + " --url " + url_ + " --token " +
                              tokens_["policy-author"] + " --ca " + dir_ + "/cert.pem");
  }
};

TEST_F(AdminAttestationKeysTest, PemIsRefusedWithItsReasonAndTpm2bPublicIsAccepted) {
  const std::string pem = ReadText(testing::VectorPath("tpm2/ak-ecc.pem"));
  for (const std::string& sent : {pem, Base64Encode(AsBytes(pem))}) {
    auto refused = Register(sent);
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_NE(Message(refused).find("PEM attestation keys are no longer accepted"),
              std::string::npos)
        << refused.body;
  }
  auto cli = AdminCli("aks register --file " + testing::VectorPath("tpm2/ak-ecc.pem"));
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.out.find("tpm2_createak -u"), std::string::npos) << cli.out;
  EXPECT_EQ(Json(Call("auditor", "GET", "/v1/admin/attestation-keys"))["attestation_keys"]
                .as_array()
                .size(),
            0u);

  cli = AdminCli("aks register --file " + testing::VectorPath("tpm2/ak-ecc.tpm2b"));
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  auto keys = Json(Call("auditor", "GET", "/v1/admin/attestation-keys"))["attestation_keys"];
  ASSERT_EQ(keys.as_array().size(), 1u);
  const json::object& key = keys.as_array()[0].as_object();
  EXPECT_EQ(key.at("form"), "tpm2b_public");
  EXPECT_EQ(key.at("restricted"), "checked");
  ASSERT_EQ(Call("approver", "POST",
                 "/v1/admin/attestation-keys/" + std::string(key.at("id").as_string()) + "/approve")
                .status,
            200);
  auto genuine = Evaluate(ReadJson(testing::VectorPath("tpm2/quote-ecc.json")));
  EXPECT_EQ(genuine.status, 200) << genuine.body;
  EXPECT_EQ(Json(genuine)["decision"], "deny");  // a genuine quote of other PCR values
  EXPECT_FALSE(Healthz().contains("unproven_attestation_keys"));
}

TEST_F(AdminAttestationKeysTest, AnOrdinarySigningKeyIsRefusedBecauseItForgesQuotes) {
  // The attacker's quote: the genuine one, claiming PCR 4 = 0x11.. (what the policy wants).
  json::object forged = ReadJson(testing::VectorPath("tpm2/quote-ecc.json"));
  json::object& pcrs = forged["pcrs"].as_object()["sha256"].as_object();
  pcrs["4"] = HexEncode(Bytes(32, 0x11));
  Bytes concatenated;
  for (const char* n : {"4", "7", "12"}) {
    Bytes value = HexDecode(std::string(pcrs[n].as_string())).value();
    concatenated.insert(concatenated.end(), value.begin(), value.end());
  }
  Bytes attest = Base64Decode(std::string(forged["quote"].as_string())).value();
  Sha256Digest pcr_digest = Sha256(concatenated);
  std::copy(pcr_digest.begin(), pcr_digest.end(), attest.end() - 32);  // pcrDigest comes last
  std::ofstream(dir_ + "/attest.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(attest.data()), std::streamsize(attest.size()));
  std::string cmd = std::string(KB_TEST_SUPPORT_DIR) + "/swtpm_sign.sh " + dir_ + "/forge " + dir_ +
                    "/attest.bin >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  forged["quote"] = Base64Encode(attest);
  forged["signature"] = Base64Encode(AsBytes(ReadText(dir_ + "/forge/sig.bin")));

  // Registering the TPM's ordinary signing key: refused, as TPM2B_PUBLIC and as PEM.
  auto tpm2b = Register(Base64Encode(AsBytes(ReadText(dir_ + "/forge/key.pub"))));
  EXPECT_EQ(tpm2b.status, 400) << tpm2b.body;
  EXPECT_NE(Message(tpm2b).find("restricted signing key"), std::string::npos) << tpm2b.body;
  const std::string pem = ReadText(dir_ + "/forge/key.pem");
  EXPECT_EQ(Register(pem).status, 400);
  EXPECT_EQ(Code(Evaluate(forged)), "bad_signature");

  // Had it been registered (as the broker let a PEM key be, before), the forgery would pass.
  InsertLegacyPemRow(pem);
  auto accepted = Evaluate(forged);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(Json(accepted)["decision"], "allow");
}

TEST_F(AdminAttestationKeysTest, LegacyPemRowsStillVerifyButAreShownUnproven) {
  const std::string id = InsertLegacyPemRow(ReadText(testing::VectorPath("tpm2/ak-ecc.pem")));
  const json::object genuine = ReadJson(testing::VectorPath("tpm2/quote-ecc.json"));
  auto verified = Evaluate(genuine);
  EXPECT_EQ(verified.status, 200) << verified.body;

  auto keys = Json(Call("auditor", "GET", "/v1/admin/attestation-keys"))["attestation_keys"];
  ASSERT_EQ(keys.as_array().size(), 1u);
  EXPECT_EQ(keys.as_array()[0].as_object().at("form"), "pem");
  EXPECT_EQ(keys.as_array()[0].as_object().at("restricted"), "unproven");
  auto listed = AdminCli("aks list");
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.out.find("unproven"), std::string::npos) << listed.out;
  json::object health = Healthz();
  EXPECT_EQ(json::serialize(health["unproven_attestation_keys"]), "1");
  EXPECT_NE(std::string(health["warning"].as_string()).find("registered as PEM"),
            std::string::npos);

  ASSERT_EQ(Call("approver", "POST", "/v1/admin/attestation-keys/" + id + "/revoke").status, 200);
  EXPECT_EQ(Code(Evaluate(genuine)), "bad_signature");
  EXPECT_FALSE(Healthz().contains("unproven_attestation_keys"));
}

TEST_F(AdminAttestationKeysTest, APemRowStillPendingCannotBeApproved) {
  const std::string id =
      InsertLegacyPemRow(ReadText(testing::VectorPath("tpm2/ak-ecc.pem")), "pending");
  for (const char* approver : {"approver", "approver2"}) {
    auto r = Call(approver, "POST", "/v1/admin/attestation-keys/" + id + "/approve");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(Message(r).find("PEM attestation keys are no longer accepted"), std::string::npos);
  }
  EXPECT_EQ(Code(Evaluate(ReadJson(testing::VectorPath("tpm2/quote-ecc.json")))), "bad_signature");
}

// Replicas on one database (issue 21): another broker approves or revokes an AK in the shared
// database; this one's live set follows at its next sync (cli/replica_sync.h, every second).
TEST_F(AdminAttestationKeysTest, TheLiveSetFollowsWhatAnotherReplicaApprovedAndRevoked) {
  const json::object genuine = ReadJson(testing::VectorPath("tpm2/quote-ecc.json"));
  auto cli = AdminCli("aks register --file " + testing::VectorPath("tpm2/ak-ecc.tpm2b"));
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  auto keys = Json(Call("auditor", "GET", "/v1/admin/attestation-keys"))["attestation_keys"];
  ASSERT_EQ(keys.as_array().size(), 1u);
  std::string id(keys.as_array()[0].as_object().at("id").as_string());
  auto set_status = [&](const char* status) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/kb.db").c_str(), &db), SQLITE_OK);
    std::string sql = "UPDATE attestation_keys SET status = '" + std::string(status) +
                      "' WHERE id = '" + id + "'";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  };
  EXPECT_EQ(Code(Evaluate(genuine)), "bad_signature");  // pending: not trusted

  set_status("active");                                 // approved through the other replica
  EXPECT_EQ(Code(Evaluate(genuine)), "bad_signature");  // not yet synced
  ASSERT_TRUE(broker_.admin->SyncAttestationKeys());
  auto trusted = Evaluate(genuine);
  EXPECT_EQ(trusted.status, 200) << trusted.body;

  set_status("revoked");  // revoked through the other replica
  ASSERT_TRUE(broker_.admin->SyncAttestationKeys());
  EXPECT_EQ(Code(Evaluate(genuine)), "bad_signature");
}

}  // namespace
}  // namespace kb::api
