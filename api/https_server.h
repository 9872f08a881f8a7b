#pragma once

// The HTTPS listener: TLS 1.2/1.3 with AEAD suites only, no renegotiation, no compression;
// explicit limits on header and body size and timeouts on handshake, read and write; keep-alive.
// Requests go to api::Route. Beast and Asio stay inside https_server.cc.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "common/clock.h"
#include "common/result.h"

namespace kb::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8443;  // 0: any free port (tests)
  int threads = 2;
  std::string certificate_file;  // PEM chain
  std::string private_key_file;  // PEM
  // Admin client certificates: a PEM CA file. When set, clients may present a certificate it
  // issued; its subject CN names an admin principal (admin_api.h). Clients without one (the
  // attestation endpoints) are served as before; an invalid one fails the handshake.
  std::string client_ca_file;
  size_t header_limit = 8 * 1024;
  size_t body_limit = 400 * 1024;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds io_timeout{15};
};

class HttpsServer {
 public:
  // Binds and listens; nothing is served until Run().
  static Result<std::unique_ptr<HttpsServer>> Create(const ServerOptions& options,
                                                     Services& services, const Clock& clock);
  ~HttpsServer();

  uint16_t port() const;
  // Serves on `threads` threads until Stop() or SIGINT/SIGTERM; returns when they have ended.
  void Run();
  // Thread-safe.
  void Stop();

 private:
  struct Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::api
