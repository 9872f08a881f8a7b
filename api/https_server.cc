#include "api/https_server.h"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>
#include <vector>

#include "api/error_status.h"
#include "api/release_codec.h"

namespace kb::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// TLS 1.2 suites: ECDHE with AEAD only. TLS 1.3 suites are all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305";

Result<std::unique_ptr<ssl::context>> MakeTlsContext(const ServerOptions& o) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("TLS configuration")};
  }
  ctx->use_certificate_chain_file(o.certificate_file, ec);
  if (!ec) ctx->use_private_key_file(o.private_key_file, ssl::context::pem, ec);
  if (ec) return Error{ErrorCode::kInternal, "TLS certificate or key: " + ec.message()};
  if (!o.client_ca_file.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.client_ca_file.c_str());
    static constexpr unsigned char kSessionContext[] = "keybroker";
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(native, o.client_ca_file.c_str(), nullptr) != 1 ||
        SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      return Error{ErrorCode::kInternal, OsslErrorString("admin client CA " + o.client_ca_file)};
    }
    SSL_CTX_set_client_CA_list(native, names);  // takes ownership
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ssl::context& tls, const ServerOptions& options, Services& services,
          const Clock& clock, std::atomic<uint64_t>& request_counter)
      : stream_(std::move(socket), tls),
        options_(options),
        services_(services),
        clock_(clock),
        request_counter_(request_counter) {}

  void Start() {
    beast::get_lowest_layer(stream_).expires_after(options_.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

 private:
  void OnHandshake(beast::error_code ec) {
    if (ec) return;
    client_cn_ = VerifiedClientCommonName(stream_.native_handle());
    ReadRequest();
  }

  // The subject CN of a client certificate that verified against the admin client CA; empty
  // without one.
  static std::string VerifiedClientCommonName(SSL* ssl) {
    X509* peer = SSL_get0_peer_certificate(ssl);
    if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
    char cn[256] = {};
    int len = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    return len > 0 && size_t(len) < sizeof cn ? std::string(cn, size_t(len)) : "";
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(std::uint32_t(options_.header_limit));
    parser_->body_limit(options_.body_limit);
    beast::get_lowest_layer(stream_).expires_after(options_.io_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      drain_before_close_ = true;
      return Reply(413, "application/json",
                   EncodeError({ErrorCode::kPayloadTooLarge, "request too large"}), false);
    }
    if (ec) {
      if (ec == beast::error::timeout || ec.category() == asio::error::get_ssl_category() ||
          ec == asio::error::eof || ec == asio::error::connection_reset) {
        return;  // the peer is gone or too slow: nothing to answer
      }
      return Reply(400, "application/json",
                   EncodeError({ErrorCode::kMalformedRequest, "malformed HTTP request"}), false);
    }
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    std::string_view target = req.target();
    size_t question = target.find('?');
    request.target = std::string(target.substr(0, question));
    if (question != std::string_view::npos)
      request.query = std::string(target.substr(question + 1));
    request.content_type = std::string(req[http::field::content_type]);
    request.authorization = std::string(req[http::field::authorization]);
    request.client_principal = client_cn_;
    request.body = std::move(req.body());  // up to body_limit: moved, not copied
    request.request_id = "r" + std::to_string(request_counter_.fetch_add(1) + 1);
    Time start = clock_.Now();
    HttpResponse response = Route(request, services_, start);
    if (services_.metrics != nullptr) {
      services_.metrics->RecordRequest(RouteLabel(request.target), response.status,
                                       clock_.Now() - start);
    }
    Reply(response.status, std::move(response.content_type), std::move(response.body),
          req.keep_alive());
  }

  void Reply(int status, std::string content_type, std::string body, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(http::status(status), 11);
    res->set(http::field::server, "keybroker");
    res->set(http::field::content_type, content_type);
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    response_ = res;
    beast::get_lowest_layer(stream_).expires_after(options_.io_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (keep_alive) return self->ReadRequest();
                        if (self->drain_before_close_) return self->Drain();
                        self->Close();
                      });
  }

  // Lingering close: after refusing a request early, read and discard what the client is still
  // sending (bounded in bytes and time) so that closing does not reset the connection and
  // destroy the answer before the client reads it.
  void Drain() {
    constexpr size_t kMaxDrain = 1 << 20;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrain) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<void> response_;
  bool drain_before_close_ = false;
  std::string client_cn_;
  std::array<char, 16 * 1024> drain_;
  size_t drained_ = 0;
  const ServerOptions& options_;
  Services& services_;
  const Clock& clock_;
  std::atomic<uint64_t>& request_counter_;
};

}  // namespace

struct HttpsServer::Impl {
  Impl(const ServerOptions& o, Services& s, const Clock& c, std::unique_ptr<ssl::context> tls)
      : options(o),
        services(s),
        clock(c),
        tls(std::move(tls)),
        io(o.threads),
        acceptor(asio::make_strand(io)),
        signals(io, SIGINT, SIGTERM) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        std::make_shared<Session>(std::move(socket), *tls, options, services, clock, requests)
            ->Start();
      }
      Accept();
    });
  }

  // Declared before `io`: sessions still queued in `io` when it is destroyed refer to these.
  ServerOptions options;
  Services& services;
  const Clock& clock;
  std::unique_ptr<ssl::context> tls;
  std::atomic<uint64_t> requests{0};
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::signal_set signals;
};

Result<std::unique_ptr<HttpsServer>> HttpsServer::Create(const ServerOptions& options,
                                                         Services& services, const Clock& clock) {
  auto tls = MakeTlsContext(options);
  if (!tls) return std::move(tls).error();
  auto impl = std::make_unique<Impl>(options, services, clock, std::move(*tls));
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return Error{ErrorCode::kInternal, "listen address: " + ec.message()};
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{ErrorCode::kInternal, "listen on " + options.address + ": " + ec.message()};
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsServer::~HttpsServer() = default;

uint16_t HttpsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpsServer::Run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) Stop();
  });
  impl_->Accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i)
    threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : threads) t.join();
}

void HttpsServer::Stop() { impl_->io.stop(); }

}  // namespace kb::api
