// The HTTPS server over real TLS on 127.0.0.1 (port 0), in front of a real release service.

#include "api/https_server.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "api/https_client.h"
#include "tests/support/https_fixture.h"

namespace kb::api {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using testing::kT;

using HttpsServerTest = testing::HttpsFixture;

TEST_F(HttpsServerTest, ServesTheReleaseFlowOverTls) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  HttpResponse challenge = Call("POST", "/v1/challenge");
  ASSERT_EQ(challenge.status, 200) << challenge.body;
  Bytes nonce = HexDecode(std::string(json::parse(challenge.body).at("nonce").as_string())).value();
  std::string body = R"({"key_id": "model-weights", "evidence": {"type": "auto", "document": ")" +
                     Base64Encode(Document(nonce)) + "\"}}";
  HttpResponse release = Call("POST", "/v1/release", body);
  ASSERT_EQ(release.status, 200) << release.body;
  Bytes wrapped =
      Base64Decode(
          std::string(json::parse(release.body).at("ciphertext_for_recipient").as_string()))
          .value();
  auto key = manager_->UnsealCurrent("model-weights");
  Bytes expected(key->material.span().begin(), key->material.span().end());
  // The OpenSSL command line, as a client would, recovers exactly the released key.
  std::ofstream(dir_ + "/released.der", std::ios::binary)
      .write(reinterpret_cast<const char*>(wrapped.data()), std::streamsize(wrapped.size()));
  std::ofstream(dir_ + "/instance.pem")
      << broker::BuiltCert{nullptr, std::move(instance_key_), {}}.KeyPem();
  ASSERT_EQ(std::system(("openssl cms -decrypt -inform DER -in " + dir_ + "/released.der -inkey " +
                         dir_ + "/instance.pem -binary -out " + dir_ + "/key.bin")
                            .c_str()),
            0);
  std::ifstream in(dir_ + "/key.bin", std::ios::binary);
  EXPECT_EQ(Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), expected);
  HttpResponse replay = Call("POST", "/v1/release", body);
  EXPECT_EQ(replay.status, 403);
  EXPECT_EQ(json::parse(replay.body).at("error"), "nonce_replayed");

  HttpResponse metrics = Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4");
  for (const char* expected :
       {"keybroker_requests_total{route=\"/v1/release\",code=\"200\"} 1",
        "keybroker_requests_total{route=\"/v1/release\",code=\"403\"} 1",
        "keybroker_release_decisions_total{outcome=\"allow\"} 1",
        "keybroker_release_decisions_total{outcome=\"nonce_replayed\"} 1",
        "keybroker_request_duration_seconds_count 4",  // /metrics itself counts after
        "keybroker_ledger_decisions_total 2",
        "keybroker_certificate_cache_total{result=\"hit\"}"}) {
    EXPECT_NE(metrics.body.find(expected), std::string::npos) << expected << "\n" << metrics.body;
  }
}

TEST_F(HttpsServerTest, RefusesOversizedBodiesAndUnknownRoutes) {
  HttpResponse big = Call("POST", "/v1/release", std::string(100 * 1024, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json::parse(big.body).at("error"), "payload_too_large");
  HttpResponse long_header = Call("GET", "/" + std::string(16 * 1024, 'a'));  // > header_limit
  EXPECT_EQ(long_header.status, 413);
  EXPECT_EQ(Call("GET", "/nope").status, 404);
  // The server is still healthy afterwards.
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(HttpsServerTest, RefusesOldTlsVersionsAndNonAeadSuites) {
  std::string port = url_.substr(url_.rfind(':') + 1);
  // The client's security level is lowered so that only the server can be the one refusing.
  auto connects = [&](const std::string& args) {
    std::string cmd =
        "openssl s_client -connect 127.0.0.1:" + port + " " + args + " </dev/null >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  };
  EXPECT_FALSE(connects("-tls1 -cipher DEFAULT@SECLEVEL=0"));
  EXPECT_FALSE(connects("-tls1_1 -cipher DEFAULT@SECLEVEL=0"));
  EXPECT_FALSE(connects("-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA@SECLEVEL=0"));
  EXPECT_FALSE(connects("-tls1_2 -cipher ECDHE-ECDSA-AES256-SHA384@SECLEVEL=0"));
  EXPECT_TRUE(connects("-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(connects("-tls1_3"));
  // No compression is negotiated (CRIME): s_client reports it.
  std::string report = dir_ + "/s_client.txt";
  ASSERT_EQ(std::system(("openssl s_client -connect 127.0.0.1:" + port + " -tls1_2 </dev/null >" +
                         report + " 2>&1")
                            .c_str()),
            0);
  std::ifstream in(report);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Compression: NONE"), std::string::npos) << text;
}

TEST_F(HttpsServerTest, ClientRefusesAServerItDoesNotTrust) {
  auto other = broker::BuildCertificate({"other", true, -1, kT - hours(1), kT + hours(1)}, nullptr);
  std::ofstream(dir_ + "/other.pem") << other->CertPem();
  auto r = HttpsRequest(url_, "GET", "/healthz", "", {dir_ + "/other.pem"});
  ASSERT_FALSE(r);
  // Its own code, so that the CLI can say how to trust the broker (--ca, KEYBROKER_CA).
  EXPECT_EQ(r.error().code, ErrorCode::kUntrustedChain) << r.error().message;
  EXPECT_NE(r.error().message.find("not trusted by " + dir_ + "/other.pem"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace kb::api
