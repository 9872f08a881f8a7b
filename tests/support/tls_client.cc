#include "tests/support/tls_client.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "common/encoding.h"

namespace kb::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct TlsClient::Impl {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  bool connected = false;

  // Runs the io_context until `done` or the timeout; a timeout cancels what is pending.
  template <typename Op>
  beast::error_code RunFor(std::chrono::milliseconds timeout, Op&& op) {
    std::optional<beast::error_code> result;
    op([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run_for(timeout);
    if (!result) {
      beast::get_lowest_layer(*stream).cancel();
      io.restart();
      io.run_for(std::chrono::seconds(1));
      return asio::error::timed_out;
    }
    return *result;
  }
};

TlsClient::TlsClient(uint16_t port, const std::string& ca_file, bool handshake, bool max_tls12)
    : impl_(std::make_unique<Impl>()) {
  impl_->tls.load_verify_file(ca_file);
  impl_->tls.set_verify_mode(asio::ssl::verify_peer);
  if (max_tls12) SSL_CTX_set_max_proto_version(impl_->tls.native_handle(), TLS1_2_VERSION);
  impl_->stream.emplace(impl_->io, impl_->tls);
  beast::error_code ec;
  beast::get_lowest_layer(*impl_->stream)
      .socket()
      .connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return;
  if (!handshake) {
    impl_->connected = true;
    return;
  }
  ec = impl_->RunFor(std::chrono::seconds(5), [&](auto done) {
    impl_->stream->async_handshake(asio::ssl::stream_base::client, done);
  });
  impl_->connected = !ec;
}

TlsClient::~TlsClient() = default;

bool TlsClient::connected() const { return impl_->connected; }

std::string TlsClient::PeerFingerprint() const {
  X509* cert = SSL_get0_peer_certificate(impl_->stream->native_handle());
  if (cert == nullptr) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  return HexEncode(ByteSpan(md, len));
}

bool TlsClient::Send(std::string_view bytes, std::chrono::milliseconds timeout) {
  auto ec = impl_->RunFor(timeout, [&](auto done) {
    asio::async_write(*impl_->stream, asio::buffer(bytes.data(), bytes.size()), done);
  });
  return !ec;
}

RawResponse TlsClient::ReadResponse(std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  auto ec = impl_->RunFor(
      timeout, [&](auto done) { http::async_read(*impl_->stream, impl_->buffer, parser, done); });
  if (ec) return {};
  auto& res = parser.get();
  return {int(res.result_int()), std::string(res[http::field::connection]),
          std::string(res[http::field::retry_after]), res.body()};
}

bool TlsClient::ClosedWithin(std::chrono::milliseconds timeout) {
  char byte;
  auto ec = impl_->RunFor(
      timeout, [&](auto done) { impl_->stream->async_read_some(asio::buffer(&byte, 1), done); });
  return ec && ec != asio::error::timed_out;
}

bool TlsClient::RenegotiateAndAsk(std::string_view request) {
  SSL* ssl = impl_->stream->native_handle();
  if (SSL_renegotiate(ssl) != 1) return false;
  if (!Send(request)) return false;
  return ReadResponse(std::chrono::seconds(3)).status != 0;
}

}  // namespace kb::testing
