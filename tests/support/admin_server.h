#pragma once

// A whole broker as `serve` assembles it (cli::AssembleBroker over a real SQLite file and KEK
// file), serving real TLS on 127.0.0.1 (port 0), with a test attestation root trusted, the
// two-person rule at 2, and one principal per role ("admin", "key-manager", "policy-author",
// "approver", "auditor") plus a second approver ("approver2"), each with a token. The clock
// is the test's: documents are signed at kT.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "api/https_client.h"
#include "api/https_server.h"
#include "cli/broker_assembly.h"
#include "common/encoding.h"
#include "tests/support/release_fixture.h"

namespace kb::testing {

// A clock the test moves (tokens expire, import tokens lapse).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time t) : ms_(t.time_since_epoch().count()) {}
  Time Now() const override { return Time(std::chrono::milliseconds(ms_.load())); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<int64_t> ms_;
};

class AdminServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    chain_ = MakeChain(kT);
    std::ofstream(dir_ + "/root.pem") << chain_.root.CertPem();
    std::ofstream(dir_ + "/kek.bin") << std::string(32, '\x07');
    ::chmod((dir_ + "/kek.bin").c_str(), 0600);
    config_.data_dir = dir_;
    config_.database = dir_ + "/kb.db";
    config_.kek_file = dir_ + "/kek.bin";
    config_.trust_roots = {dir_ + "/root.pem"};
    config_.approvals_required = 2;
    auto assembled = cli::AssembleBroker(config_, kT, broker_);
    ASSERT_TRUE(assembled) << assembled.error().message;
    StartServer();
    for (const char* role : {"admin", "key-manager", "policy-author", "approver", "auditor"}) {
      AddPrincipal(role, {role});
    }
    AddPrincipal("approver2", {"approver"});
    AddPrincipal("admin2", {"admin"});  // identity changes need two admins
    instance_key_ = testing::GenerateKey(KeyType::kRsa2048);
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
    std::system(("rm -rf " + dir_).c_str());
  }

  void StartServer() {
    ASSERT_TRUE(testing::WriteLocalhostCertificate(dir_ + "/cert.pem", dir_ + "/key.pem",
                                                   SystemClock().Now()));
    api::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.certificate_file = dir_ + "/cert.pem";
    options.private_key_file = dir_ + "/key.pem";
    options.client_ca_file = client_ca_file_;
    services_ = std::make_unique<api::Services>(
        api::Services{*broker_.release, true, nullptr, nullptr, broker_.admin_api.get()});
    services_->attestation_keys = &broker_.aks;
    auto server = api::HttpsServer::Create(options, *services_, clock_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    url_ = "https://127.0.0.1:" + std::to_string(server_->port());
    thread_ = std::thread([this] { server_->Run(); });
  }

  void AddPrincipal(const std::string& name, const std::vector<std::string>& roles) {
    auto set = broker::ParseRoles(roles);
    ASSERT_TRUE(set);
    ASSERT_TRUE(broker_.authenticator->CreatePrincipal(name, *set, "test", kT, /*approved=*/true));
    auto issued =
        broker_.authenticator->IssueToken(name, std::nullopt, "test", kT, /*approved=*/true);
    ASSERT_TRUE(issued);
    tokens_[name] = issued->token;
  }

  // A KMS grant of `operations` on `key` to `principal`, over the admin API: key-manager
  // proposes, approver approves (the second of the two approvals). Returns the grant id.
  std::string GrantKms(const std::string& principal, const std::string& key,
                       const std::vector<std::string>& operations) {
    boost::json::array ops;
    for (const auto& op : operations) ops.emplace_back(op);
    auto created = Call("key-manager", "POST", "/v1/admin/grants",
                        boost::json::serialize(boost::json::object{
                            {"principal", principal}, {"key", key}, {"operations", ops}}));
    EXPECT_EQ(created.status, 201) << created.body;
    if (created.status != 201) return "";
    std::string id(Json(created)["id"].as_string());
    auto approved = Call("approver", "POST", "/v1/admin/grants/" + id + "/approve");
    EXPECT_EQ(approved.status, 200) << approved.body;
    return id;
  }
  // A kms key, created through the admin API by key-manager.
  void CreateKmsKey(const std::string& id, bool attestation_required = true) {
    auto r =
        Call("key-manager", "POST", "/v1/admin/keys",
             boost::json::serialize(boost::json::object{
                 {"id", id}, {"purpose", "kms"}, {"attestation_required", attestation_required}}));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // A call as `who` (a principal name, or a raw token when not one).
  api::HttpResponse Call(const std::string& who, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         const std::string& content_type = "application/json") {
    api::ClientOptions client{dir_ + "/cert.pem"};
    client.bearer_token = tokens_.count(who) ? tokens_[who] : who;
    client.content_type = content_type;
    auto r = api::HttpsRequest(url_, method, target, body, client);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : api::HttpResponse{0, "", ""};
  }
  static boost::json::object Json(const api::HttpResponse& r) {
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return !ec && v.is_object() ? v.as_object() : boost::json::object{};
  }
  static std::string Code(const api::HttpResponse& r) {
    auto j = Json(r);
    return j.contains("error") ? std::string(j["error"].as_string()) : "";
  }

  // A nitro-enclave document at kT with PCR0..2 = `pcr`, for the instance key; without a nonce
  // when `nonce` is empty.
  Bytes Document(const Bytes& nonce, uint8_t pcr = 0xaa) {
    auto fields = MakeDocumentFields(chain_, kT);
    for (uint32_t i = 0; i < 3; ++i) fields.pcrs[i] = Bytes(48, pcr);
    fields.nonce = nonce.empty() ? std::nullopt : std::optional<Bytes>(nonce);
    fields.public_key = Spki(instance_key_.get());
    return SignDocument(fields, chain_.leaf.key.get());
  }
  // {"Measurements": ...} as nitro-cli build-enclave prints it, for PCR0..2 = `pcr`.
  static std::string NitroCliJson(uint8_t pcr = 0xaa) {
    std::string hex = HexEncode(Bytes(48, pcr));
    return R"({"Measurements": {"HashAlgorithm": "Sha384 { ... }", "PCR0": ")" + hex +
           R"(", "PCR1": ")" + hex + R"(", "PCR2": ")" + hex + "\"}}";
  }
  static std::string PolicyYaml(const std::string& reference, const std::string& key) {
    return "name: weights\nkeys: [" + key +
           "]\nplatform: nitro-enclave\nfreshness: {max_age: 300s, nonce: required}\n"
           "allow:\n  - reference: " +
           reference + "\n";
  }
  // POST /v1/challenge then /v1/release of a fresh document: the response.
  api::HttpResponse Release(const std::string& key, uint8_t pcr = 0xaa) {
    auto challenge = Json(Call("", "POST", "/v1/challenge"));
    Bytes nonce = HexDecode(std::string(challenge["nonce"].as_string())).value();
    std::string body = R"({"key_id": ")" + key +
                       R"(", "evidence": {"type": "auto", "document": ")" +
                       Base64Encode(Document(nonce, pcr)) + "\"}}";
    return Call("", "POST", "/v1/release", body);
  }

  std::string dir_, url_;
  std::string client_ca_file_;  // set before SetUp for mutual TLS
  TestChain chain_;
  cli::Config config_;
  cli::Broker broker_;
  ManualClock clock_{kT};
  std::unique_ptr<api::Services> services_;
  std::unique_ptr<api::HttpsServer> server_;
  std::thread thread_;
  std::map<std::string, std::string> tokens_;
  OsslPtr<EVP_PKEY> instance_key_;
};

}  // namespace kb::testing
