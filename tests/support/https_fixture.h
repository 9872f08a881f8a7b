#pragma once

// A release service (ReleaseFixture) behind a real HttpsServer on 127.0.0.1, port 0, with a
// fresh localhost certificate. Tests adjust the server through Options() before SetUp.

#include <cstdlib>
#include <fstream>
#include <thread>

#include "api/https_client.h"
#include "api/https_server.h"
#include "tests/support/release_fixture.h"

namespace kb::testing {

class HttpsFixture : public ReleaseFixture {
 protected:
  void SetUp() override {
    ReleaseFixture::SetUp();
    dir_ = MakeTempDir();
    WriteCertificate(dir_ + "/cert.pem", dir_ + "/key.pem");
    options_.address = "127.0.0.1";
    options_.port = 0;
    options_.certificate_file = dir_ + "/cert.pem";
    options_.private_key_file = dir_ + "/key.pem";
    options_.body_limit = 64 * 1024;
    Configure(options_);
    services_ = std::make_unique<api::Services>(
        api::Services{*service_, false, &metrics_, &cache_, nullptr, limits_.get()});
    services_->ledger = writer_.get();
    auto server = api::HttpsServer::Create(options_, *services_, clock_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    url_ = "https://127.0.0.1:" + std::to_string(server_->port());
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    StopServer();
    std::system(("rm -rf " + dir_).c_str());
  }
  // Hook: change the server options before the server is created.
  virtual void Configure(api::ServerOptions&) {}

  void StopServer() {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }
  static void WriteCertificate(const std::string& cert_file, const std::string& key_file) {
    ASSERT_TRUE(WriteLocalhostCertificate(cert_file, key_file, SystemClock().Now()));
  }
  api::HttpResponse Call(const std::string& method, const std::string& target,
                         const std::string& body = "") {
    auto r = api::HttpsRequest(url_, method, target, body, {dir_ + "/cert.pem"});
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : api::HttpResponse{0, "", ""};
  }

  FixedClock clock_{kT};  // the documents are signed at kT
  api::Metrics metrics_;
  api::ServerOptions options_;
  std::unique_ptr<api::RateLimiters> limits_;  // set before SetUp to limit
  std::string dir_, url_;
  std::unique_ptr<api::Services> services_;
  std::unique_ptr<api::HttpsServer> server_;
  std::thread thread_;
};

}  // namespace kb::testing
