#pragma once

// A raw TLS client for server tests that must misbehave: send a request in pieces, hold a
// connection idle, pipeline, renegotiate, or watch for the server closing. Every operation is
// bounded by a timeout; nothing blocks a test forever.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kb::testing {

struct RawResponse {
  int status = 0;           // 0: no complete response
  std::string connection;   // the Connection header
  std::string retry_after;  // the Retry-After header
  std::string body;
};

class TlsClient {
 public:
  // Connects to 127.0.0.1:port; with `handshake`, completes TLS trusting `ca_file` (max_tls12:
  // TLS 1.2 at most, for the renegotiation test).
  TlsClient(uint16_t port, const std::string& ca_file, bool handshake = true,
            bool max_tls12 = false);
  ~TlsClient();

  bool connected() const;
  // The SHA-256 (hex) of the server's leaf certificate.
  std::string PeerFingerprint() const;
  bool Send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  RawResponse ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True if the server closes the connection (or resets it) within `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout);
  // Starts a TLS renegotiation and sends `request`; true if a response arrives.
  bool RenegotiateAndAsk(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::testing
