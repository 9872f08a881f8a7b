#include "api/https_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace kb::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct Url {
  std::string host;
  std::string port;
};

Result<Url> ParseUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0) return Error{ErrorCode::kMalformedRequest, "URL must be https"};
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return Url{rest, "443"};
  return Url{rest.substr(0, colon), rest.substr(colon + 1)};
}

Error Failed(const std::string& what, const beast::error_code& ec) {
  return Error{ErrorCode::kInternal, what + ": " + ec.message()};
}

// A handshake that failed because the server's certificate did not verify: kUntrustedChain,
// so the command line can say how to trust it.
std::optional<Error> Untrusted(SSL* ssl, const beast::error_code& ec, const std::string& url,
                               const ClientOptions& options) {
  long result = SSL_get_verify_result(ssl);
  bool verify_failed = ec.category() == asio::error::get_ssl_category() &&
                       ERR_GET_REASON(ec.value()) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  if (result == X509_V_OK && !verify_failed) return std::nullopt;
  std::string trusted_by = options.ca_file.empty() ? "the system's trust store" : options.ca_file;
  std::string reason = result == X509_V_OK ? ec.message() : X509_verify_cert_error_string(result);
  return Error{ErrorCode::kUntrustedChain, "connect " + url +
                                               ": the server's certificate is not trusted by " +
                                               trusted_by + " (" + reason + ")"};
}

}  // namespace

Result<HttpResponse> HttpsRequest(const std::string& url, const std::string& method,
                                  const std::string& target, const std::string& body,
                                  const ClientOptions& options) {
  auto parsed = ParseUrl(url);
  if (!parsed) return std::move(parsed).error();
  asio::io_context io;
  ssl::context tls(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (options.ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(options.ca_file, ec);
  }
  if (ec) return Failed("CA file", ec);
  if (!options.client_certificate_file.empty()) {
    tls.use_certificate_chain_file(options.client_certificate_file, ec);
    if (!ec) tls.use_private_key_file(options.client_key_file, ssl::context::pem, ec);
    if (ec) return Failed("client certificate or key", ec);
  }
  tls.set_verify_mode(ssl::verify_peer);

  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  stream.set_verify_callback(ssl::host_name_verification(parsed->host));
  SSL_set_tlsext_host_name(stream.native_handle(), parsed->host.c_str());
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parsed->host, parsed->port, ec);
  if (ec) return Failed("resolve " + parsed->host, ec);
  beast::get_lowest_layer(stream).expires_after(options.timeout);
  beast::get_lowest_layer(stream).connect(endpoints, ec);
  if (!ec) {
    stream.handshake(ssl::stream_base::client, ec);
    if (auto untrusted = ec ? Untrusted(stream.native_handle(), ec, url, options) : std::nullopt) {
      return *untrusted;
    }
  }
  if (ec) return Failed("connect " + url, ec);

  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, parsed->host);
  req.set(http::field::content_type, options.content_type);
  if (!options.bearer_token.empty()) {
    req.set(http::field::authorization, "Bearer " + options.bearer_token);
  }
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(8 * 1024 * 1024);
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) return Failed("request", ec);
  stream.shutdown(ec);  // the peer may close first; the response is complete either way
  auto& res = parser.get();
  return HttpResponse{int(res.result_int()), std::string(res[http::field::content_type]),
                      std::move(res.body())};
}

}  // namespace kb::api
