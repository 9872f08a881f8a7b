#pragma once

// The HTTPS listener: TLS 1.2/1.3 with AEAD suites only, no renegotiation, no compression
// (internal/tls_context.h); explicit limits on header and body size, on connections and on
// requests per connection; timeouts on the handshake, on reading one request (a slow client
// cannot hold a worker: reads are asynchronous and the whole request has one deadline), on
// writing and on idle keep-alive connections. SIGHUP reloads the certificate and key for new
// connections; SIGINT/SIGTERM stop gracefully: no new connections, in-flight requests finish
// (bounded by shutdown_timeout), idle connections close. Requests go to api::Route. Beast and
// Asio stay inside api/.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/router.h"
#include "common/clock.h"
#include "common/result.h"

namespace kb::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8443;  // 0: any free port (tests)
  int threads = 2;       // I/O threads: TLS and HTTP only, never a wait for the disk
  // The threads that answer requests (api/router.h). A route may block on the disk (a release
  // waits for its batch's sync), so routes never run on the I/O threads; and the more releases
  // wait at once, the more one sync commits (storage/ledger_writer.h). More threads also share
  // the cores among more verifications at once, which lengthens the tail: 8 kept bench/release.sh
  // at the previous design's throughput and p99 on 2 cores (4: -15% throughput; 64: p99 +50%).
  int handler_threads = 8;
  // The threads that answer the KMS and XKS APIs (POST outside /v1/): SigV4 calls that cost
  // little CPU and spend most of their time waiting for their audit row's group commit, so more
  // of them wait at once and each sync commits more (bench/xks.sh on 2 cores: 8 threads gave
  // 1,900-2,500 calls/s, 32 gave 4,300-4,700). Apart from handler_threads, so that they never
  // queue behind releases' verifications, nor multiply them.
  int api_handler_threads = 32;
  std::string certificate_file;  // PEM chain
  std::string private_key_file;  // PEM
  // Admin client certificates: a PEM CA file. When set, clients may present a certificate it
  // issued; its subject CN names an admin principal, and it counts only with an approved binding
  // of its key to that principal (admin_api.h). Clients without one (the attestation endpoints)
  // are served as before; an invalid one fails the handshake.
  std::string client_ca_file;
  // XKS mutual TLS (xks.client_ca, xks.client_subject): a PEM CA file trusted for client
  // certificates besides client_ca_file; a request then carries xks_client_certificate when the
  // connection's certificate chains to this CA alone and its CN is xks_client_subject.
  std::string xks_client_ca_file;
  std::string xks_client_subject;
  size_t header_limit = 8 * 1024;
  size_t body_limit = kServerBodyLimit;  // routes.h: no route reads more
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds read_timeout{15};  // from a request's first byte to its last
  std::chrono::seconds write_timeout{15};
  std::chrono::seconds idle_timeout{60};  // keep-alive: waiting for the next request
  std::chrono::seconds shutdown_timeout{10};
  int max_connections = 1024;  // more are accepted and closed at once
  int max_requests_per_connection = 1000;
  // Optional: reload and shutdown events and every 5xx answer (with its hidden cause), one line
  // each; with log_requests, one line per request too. Lines name the request id, client
  // address, method, route and status: never a header, a body or a query.
  std::function<void(const std::string&)> log;
  bool log_requests = false;
};

class HttpsServer {
  struct Impl;
  // The constructor is public for std::make_unique, but only this class can name its tag.
  struct PrivateTag {};

 public:
  // Binds and listens; nothing is served until Run().
  static Result<std::unique_ptr<HttpsServer>> Create(const ServerOptions& options,
                                                     Services& services, const Clock& clock);
  HttpsServer(PrivateTag, std::unique_ptr<Impl> impl);
  ~HttpsServer();

  uint16_t port() const;
  // Serves on `threads` threads until Stop() or SIGINT/SIGTERM and the graceful shutdown have
  // ended.
  void Run();
  // Begins the graceful shutdown. Thread-safe.
  void Stop();
  // Rereads the certificate and key files; new connections use them, open ones keep theirs. On
  // failure the old ones stay. Also done on SIGHUP. Thread-safe.
  Status ReloadCertificates();
  // Open connections. Thread-safe.
  size_t connections() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::api
