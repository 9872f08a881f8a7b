// The listener's limits over real sockets: slow, idle and handshake-less clients are cut off
// while others are served; connection and per-connection request caps; the graceful shutdown;
// certificate reload (call and SIGHUP) without dropping open connections; no renegotiation;
// per-address rate limits with Retry-After.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include "tests/support/https_fixture.h"
#include "tests/support/tls_client.h"

namespace kb::api {
namespace {

using namespace std::chrono_literals;
using testing::RawResponse;
using testing::TlsClient;

constexpr char kHealthz[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
constexpr char kChallenge[] =
    "POST /v1/challenge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";

class ServerLimitsTest : public testing::HttpsFixture {
 protected:
  void Configure(ServerOptions& o) override {
    o.handshake_timeout = 1s;
    o.read_timeout = 2s;
    o.idle_timeout = 1s;
    o.max_connections = 3;
    o.max_requests_per_connection = 2;
    o.shutdown_timeout = 3s;
  }
  std::unique_ptr<TlsClient> Connect(bool handshake = true) {
    return std::make_unique<TlsClient>(server_->port(), dir_ + "/cert.pem", handshake);
  }
  // Sessions end asynchronously; waits (bounded) until the server counts `n` connections.
  bool ConnectionsReach(size_t n) {
    for (int i = 0; i < 200 && server_->connections() != n; ++i) std::this_thread::sleep_for(10ms);
    return server_->connections() == n;
  }
};

TEST_F(ServerLimitsTest, ASlowClientIsCutOffWhileOthersAreServed) {
  auto slow = Connect();
  ASSERT_TRUE(slow->connected());
  ASSERT_TRUE(slow->Send("POST /v1/challenge HTTP/1.1\r\nHost: x\r\n"));
  for (int i = 0; i < 14; ++i) {  // 2.8 s of one header line every 200 ms: past read_timeout
    std::this_thread::sleep_for(200ms);
    (void)slow->Send("X-Slow: " + std::to_string(i) + "\r\n");
    EXPECT_EQ(Call("GET", "/healthz").status, 200);  // others are served meanwhile
  }
  EXPECT_TRUE(slow->ClosedWithin(2s));
}

TEST_F(ServerLimitsTest, IdleConnectionsAndStalledHandshakesAreClosed) {
  auto silent = Connect();
  ASSERT_TRUE(silent->connected());
  EXPECT_TRUE(silent->ClosedWithin(3s));

  auto kept_alive = Connect();
  ASSERT_TRUE(kept_alive->Send(kHealthz));
  EXPECT_EQ(kept_alive->ReadResponse().status, 200);
  EXPECT_TRUE(kept_alive->ClosedWithin(3s));  // idle after its request

  auto no_tls = Connect(/*handshake=*/false);
  ASSERT_TRUE(no_tls->connected());
  EXPECT_TRUE(no_tls->ClosedWithin(3s));
}

TEST_F(ServerLimitsTest, ConnectionsBeyondTheLimitAreRefusedAndCounted) {
  auto a = Connect(), b = Connect(), c = Connect();
  ASSERT_TRUE(a->connected() && b->connected() && c->connected());
  ASSERT_TRUE(ConnectionsReach(3));
  EXPECT_FALSE(Connect()->connected());
  a.reset();
  ASSERT_TRUE(ConnectionsReach(2));
  HttpResponse metrics = Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("keybroker_connections_refused_total 1"), std::string::npos)
      << metrics.body;
}

TEST_F(ServerLimitsTest, AConnectionServesAtMostItsRequestLimit) {
  auto client = Connect();
  ASSERT_TRUE(client->Send(kHealthz));
  RawResponse first = client->ReadResponse();
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.connection, "close");
  ASSERT_TRUE(client->Send(kHealthz));
  RawResponse second = client->ReadResponse();
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.connection, "close");
  EXPECT_TRUE(client->ClosedWithin(2s));
}

TEST_F(ServerLimitsTest, ShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  auto busy = Connect(), idle = Connect();
  ASSERT_TRUE(busy->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // not finished yet
  ASSERT_TRUE(ConnectionsReach(2));
  server_->Stop();
  EXPECT_TRUE(idle->ClosedWithin(2s));
  EXPECT_FALSE(Connect()->connected());  // no longer accepting
  ASSERT_TRUE(busy->Send("\r\n"));
  RawResponse answer = busy->ReadResponse();
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.connection, "close");
  thread_.join();  // Run() returns once the last connection is gone
}

TEST_F(ServerLimitsTest, ReloadedCertificatesServeNewConnectionsOnly) {
  auto before = Connect();
  ASSERT_TRUE(before->connected());
  std::string old_fingerprint = before->PeerFingerprint();
  WriteCertificate(dir_ + "/cert.pem", dir_ + "/key.pem");
  ASSERT_TRUE(server_->ReloadCertificates());
  auto after = Connect();
  ASSERT_TRUE(after->connected());
  EXPECT_NE(after->PeerFingerprint(), old_fingerprint);
  ASSERT_TRUE(before->Send(kHealthz));  // the open connection keeps working
  EXPECT_EQ(before->ReadResponse().status, 200);

  std::ofstream(dir_ + "/key.pem") << "not a key";
  EXPECT_FALSE(server_->ReloadCertificates());
  auto still = Connect();
  EXPECT_TRUE(still->connected());
  EXPECT_EQ(still->PeerFingerprint(), after->PeerFingerprint());

  WriteCertificate(dir_ + "/cert.pem", dir_ + "/key.pem");  // SIGHUP does the same
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  bool reloaded = false;
  for (int i = 0; i < 100 && !reloaded; ++i) {
    std::this_thread::sleep_for(20ms);
    auto probe = Connect();
    reloaded = probe->connected() && probe->PeerFingerprint() != after->PeerFingerprint();
  }
  EXPECT_TRUE(reloaded);
}

TEST_F(ServerLimitsTest, RenegotiationIsRefused) {
  TlsClient plain(server_->port(), dir_ + "/cert.pem", true, /*max_tls12=*/true);
  ASSERT_TRUE(plain.Send(kHealthz));
  EXPECT_EQ(plain.ReadResponse().status, 200);
  TlsClient renegotiating(server_->port(), dir_ + "/cert.pem", true, /*max_tls12=*/true);
  EXPECT_FALSE(renegotiating.RenegotiateAndAsk(kHealthz));
}

class RateLimitedServerTest : public testing::HttpsFixture {
 protected:
  void SetUp() override {
    limits_ = std::make_unique<RateLimiters>(RateLimit{0.5, 2}, RateLimit{}, RateLimit{});
    HttpsFixture::SetUp();
  }
};

TEST_F(RateLimitedServerTest, AnAddressOverItsLimitGets429WithRetryAfter) {
  TlsClient client(server_->port(), dir_ + "/cert.pem");
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(kChallenge));
    EXPECT_EQ(client.ReadResponse().status, 200);
  }
  ASSERT_TRUE(client.Send(kChallenge));
  RawResponse limited = client.ReadResponse();
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.retry_after, "2");  // one token at 0.5/s, on a clock that stands still
  EXPECT_EQ(boost::json::parse(limited.body).at("error"), "rate_limited");
  HttpResponse release = Call("POST", "/v1/release", R"({"key_id":"model-weights"})");
  EXPECT_EQ(release.status, 429);  // the same budget, spent before the body is decoded
  EXPECT_EQ(Call("GET", "/healthz").status, 200);  // health checks are not limited
  HttpResponse metrics = Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("keybroker_rate_limited_total{scope=\"address\"} 2"),
            std::string::npos)
      << metrics.body;
}

}  // namespace
}  // namespace kb::api
