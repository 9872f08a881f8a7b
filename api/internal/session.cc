#include "api/internal/session.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>

#include "api/error_status.h"
#include "api/internal/client_address.h"
#include "api/release_codec.h"

namespace kb::api::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The subject CN and key hash of a client certificate that verified against the admin client CA;
// an empty CN without one, or when the certificate names no principal unambiguously.
broker::ClientCertificateIdentity VerifiedClient(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  auto identity = broker::IdentifyClientCertificate(peer);
  return identity ? std::move(*identity) : broker::ClientCertificateIdentity{};
}

// The KMS and XKS APIs: POST outside /v1/, signed with SigV4 over headers. No route under /v1/
// reads headers.
bool IsSignedApiRequest(const HttpRequest& request) {
  return request.method == "POST" && !request.target.starts_with("/v1/");
}

HttpResponse ErrorAnswer(int status, ErrorCode code, std::string message) {
  return {status, "application/json", EncodeError({code, std::move(message)})};
}

}  // namespace

void SessionRegistry::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu_);
  sessions_.emplace(session.get(), session);
}

void SessionRegistry::Remove(const Session* session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionRegistry::StopAll() {
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->StopWhenIdle();  // outside the lock: the last reference may drop here
}

Session::Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                 SessionContext& context)
    : tls_(std::move(tls)), stream_(std::move(socket), *tls_), context_(context) {
  beast::error_code ec;
  auto endpoint = tcp().socket().remote_endpoint(ec);
  if (!ec) remote_address_ = ClientAddressKey(endpoint.address());
}

Session::~Session() { context_.registry.Remove(this); }

void Session::Start() {
  context_.registry.Add(shared_from_this());
  tcp().expires_after(context_.options.handshake_timeout);
  stream_.async_handshake(asio::ssl::stream_base::server,
                          beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
}

void Session::StopWhenIdle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    // Idle with bytes already waiting: a request is arriving, and it gets its answer.
    beast::error_code ec;
    bool arriving = self->tcp().socket().available(ec) > 0;
    if (self->state_ == State::kHandshake || (self->state_ == State::kIdle && !arriving)) {
      self->tcp().cancel();
    }
  });
}

void Session::OnHandshake(beast::error_code ec) {
  if (ec) return;
  client_ = VerifiedClient(stream_.native_handle());
  xks_client_ = context_.xks_client && context_.xks_client->Accepts(stream_.native_handle());
  WaitForRequest();
}

// Idle until the first byte of the next request (idle_timeout), then the whole request within
// read_timeout.
void Session::WaitForRequest() {
  state_ = State::kIdle;
  if (context_.stopping) return Close();
  if (buffer_.size() > 0) return ReadRequest();  // pipelined: already here
  tcp().expires_after(context_.options.idle_timeout);
  constexpr size_t kFirstRead = 4096;
  stream_.async_read_some(buffer_.prepare(kFirstRead),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->buffer_.commit(n);
                            if (ec) return;  // idle timeout, cancelled by Stop, or gone
                            self->ReadRequest();
                          });
}

void Session::ReadRequest() {
  state_ = State::kReading;
  parser_.emplace();
  parser_->header_limit(std::uint32_t(context_.options.header_limit));
  parser_->body_limit(context_.options.body_limit);
  tcp().expires_after(context_.options.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::OnRead, shared_from_this()));
}

void Session::OnRead(beast::error_code ec, std::size_t) {
  state_ = State::kAnswering;
  if (ec == http::error::end_of_stream) return Close();
  if (ec == http::error::body_limit || ec == http::error::header_limit) {
    drain_before_close_ = true;
    return Reply(ErrorAnswer(413, ErrorCode::kPayloadTooLarge, "request too large"), false);
  }
  if (ec) {
    if (ec == beast::error::timeout || ec.category() == asio::error::get_ssl_category() ||
        ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return;  // the peer is gone or too slow: nothing to answer
    }
    return Reply(ErrorAnswer(400, ErrorCode::kMalformedRequest, "malformed HTTP request"), false);
  }
  bool keep_alive = parser_->get().keep_alive() && !context_.stopping &&
                    ++answered_ < context_.options.max_requests_per_connection;
  HttpRequest request = ToHttpRequest();
  Answered answered{request.request_id, request.method, RouteLabel(request.target),
                    context_.clock.Now(), keep_alive};
  // Routes run on the handler threads (they may wait for the disk), the SigV4 APIs on their own;
  // the answer comes back onto this session's strand before touching the stream.
  bool signed_api = IsSignedApiRequest(request) && context_.api_handlers != nullptr;
  asio::post(signed_api ? *context_.api_handlers : *context_.handlers,
             [self = shared_from_this(), request = std::move(request), answered]() {
               HttpResponse response = Route(request, self->context_.services, answered.start);
               asio::post(self->stream_.get_executor(),
                          [self, answered, response = std::move(response)]() mutable {
                            self->Finish(answered, std::move(response));
                          });
             });
}

void Session::Finish(const Answered& request, HttpResponse response) {
  auto elapsed = context_.clock.Now() - request.start;
  if (context_.services.metrics != nullptr) {
    context_.services.metrics->RecordRequest(request.route, response.status, elapsed);
  }
  LogRequest(request, response, elapsed);
  Reply(std::move(response), request.keep_alive);
}

void Session::LogRequest(const Answered& request, const HttpResponse& response,
                         std::chrono::milliseconds elapsed) const {
  const ServerOptions& o = context_.options;
  if (!o.log || (!o.log_requests && response.status < 500)) return;
  std::string line = request.request_id + " " + remote_address_ + " " + request.method + " " +
                     std::string(request.route) + " " + std::to_string(response.status) + " " +
                     std::to_string(elapsed.count()) + "ms";
  if (!response.log_detail.empty()) line += ": " + response.log_detail;
  o.log(line);
}

HttpRequest Session::ToHttpRequest() {
  auto& req = parser_->get();
  HttpRequest request;
  request.method = std::string(req.method_string());
  std::string_view target = req.target();
  size_t question = target.find('?');
  request.target = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  request.content_type = std::string(req[http::field::content_type]);
  request.authorization = std::string(req[http::field::authorization]);
  request.client_principal = client_.common_name;
  request.client_spki_sha256 = client_.spki_sha256;
  request.remote_address = remote_address_;
  request.xks_client_certificate = xks_client_;
  if (IsSignedApiRequest(request)) {
    for (const auto& field : req) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return char(std::tolower(c)); });
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
  }
  request.body = std::move(req.body());  // up to body_limit: moved, not copied
  request.request_id = "r";  // appended, not `"r" + ...`: GCC 12 -O2 false -Wrestrict (PR105329)
  request.request_id += std::to_string(context_.requests.fetch_add(1) + 1);
  return request;
}

void Session::Reply(HttpResponse response, bool keep_alive) {
  auto res = std::make_shared<http::response<http::string_body>>(http::status(response.status), 11);
  res->set(http::field::server, "keybroker");
  res->set(http::field::content_type, std::move(response.content_type));
  res->set(http::field::cache_control, "no-store");
  for (auto& [name, value] : response.headers) res->set(name, std::move(value));
  if (response.retry_after_seconds > 0) {
    res->set(http::field::retry_after, std::to_string(response.retry_after_seconds));
  }
  res->keep_alive(keep_alive);
  res->body() = std::move(response.body);
  res->prepare_payload();
  response_ = res;
  tcp().expires_after(context_.options.write_timeout);
  http::async_write(stream_, *res,
                    [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      if (keep_alive) return self->WaitForRequest();
                      if (self->drain_before_close_) return self->Drain();
                      self->Close();
                    });
}

// Lingering close: after refusing a request early, read and discard what the client is still
// sending (bounded in bytes and time) so that closing does not reset the connection and destroy
// the answer before the client reads it.
void Session::Drain() {
  constexpr size_t kMaxDrain = 1 << 20;
  tcp().expires_after(std::chrono::seconds(2));
  stream_.async_read_some(asio::buffer(drain_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kMaxDrain) return self->Close();
                            self->Drain();
                          });
}

void Session::Close() {
  tcp().expires_after(std::chrono::seconds(5));
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
}

}  // namespace kb::api::internal
