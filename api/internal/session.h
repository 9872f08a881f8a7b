#pragma once

// One HTTPS connection of HttpsServer: handshake → (wait for a request → read it → route it →
// write the answer)* → close. Each step has its own deadline (ServerOptions). Internal to api/.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "api/https_server.h"
#include "api/internal/xks_client_check.h"
#include "broker/admin/client_certificate.h"

namespace kb::api::internal {

class Session;

// The open sessions of one server: counted for max_connections, told when the server stops.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Session>& session);
  void Remove(const Session* session);
  size_t size() const;
  // Asks every open session to close once its current request is answered.
  void StopAll();

 private:
  mutable std::mutex mu_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
};

// What the sessions of one server share.
struct SessionContext {
  const ServerOptions& options;
  Services& services;
  const Clock& clock;
  SessionRegistry& registry;
  std::atomic<bool>& stopping;
  std::atomic<uint64_t> requests{0};
  boost::asio::thread_pool* handlers = nullptr;      // where routes run (ServerOptions)
  boost::asio::thread_pool* api_handlers = nullptr;  // where KMS and XKS calls run
  std::shared_ptr<const XksClientCheck> xks_client;  // null without xks.client_ca
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `tls` is the context current at accept; a reload does not affect this connection.
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls,
          SessionContext& context);
  ~Session();

  void Start();
  // Closes the connection now if it waits for a handshake or, with nothing arriving, for a
  // request; otherwise after the current answer. Thread-safe.
  void StopWhenIdle();

 private:
  enum class State { kHandshake, kIdle, kReading, kAnswering };

  void OnHandshake(boost::beast::error_code ec);
  void WaitForRequest();
  void ReadRequest();
  void OnRead(boost::beast::error_code ec, std::size_t);
  HttpRequest ToHttpRequest();
  // What the request log and the metrics need once the answer is ready.
  struct Answered {
    std::string request_id;
    std::string method;
    std::string_view route;  // RouteLabel: a static string
    Time start;
    bool keep_alive;
  };
  void Finish(const Answered& request, HttpResponse response);
  void LogRequest(const Answered& request, const HttpResponse& response,
                  std::chrono::milliseconds elapsed) const;
  void Reply(HttpResponse response, bool keep_alive);
  void Drain();
  void Close();
  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

  std::shared_ptr<boost::asio::ssl::context> tls_;  // outlives stream_
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  SessionContext& context_;
  State state_ = State::kHandshake;
  std::string remote_address_;
  broker::ClientCertificateIdentity client_;  // empty CN without a verified client certificate
  bool xks_client_ = false;                   // XksClientCheck accepted the client certificate
  int answered_ = 0;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<void> response_;
  bool drain_before_close_ = false;
  std::array<char, 16 * 1024> drain_;
  size_t drained_ = 0;
};

}  // namespace kb::api::internal
