#include "api/internal/tls_context.h"

#include <openssl/ssl.h>

#include <utility>
#include <vector>

#include "crypto/ossl.h"

namespace kb::api::internal {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites: ECDHE with AEAD only. TLS 1.3 suites are all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305";

// Client certificates from the CA files verify (and are asked for, naming their CAs); one that
// verifies against none of them fails the handshake. A client may still present none.
Status TrustClientCas(SSL_CTX* native,
                      const std::vector<std::pair<std::string, std::string>>& cas) {
  static constexpr unsigned char kSessionContext[] = "keybroker";
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  if (names == nullptr) return Error{ErrorCode::kInternal, OsslErrorString("client CA list")};
  for (const auto& [setting, file] : cas) {
    if (SSL_CTX_load_verify_locations(native, file.c_str(), nullptr) != 1 ||
        SSL_add_file_cert_subjects_to_stack(names, file.c_str()) != 1) {
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return Error{ErrorCode::kInternal, OsslErrorString(setting + " " + file)};
    }
  }
  SSL_CTX_set_client_CA_list(native, names);  // takes ownership
  if (SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("TLS session id context")};
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return Ok();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeServerTlsContext(const TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("TLS configuration")};
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.certificate_file, ec);
  if (!ec) ctx->use_private_key_file(files.private_key_file, ssl::context::pem, ec);
  if (ec) {
    return Error{ErrorCode::kInternal, "TLS certificate " + files.certificate_file + " or key " +
                                           files.private_key_file + ": " + ec.message()};
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("TLS key does not match the certificate")};
  }
  std::vector<std::pair<std::string, std::string>> client_cas;
  if (!files.client_ca_file.empty())
    client_cas.emplace_back("admin client CA", files.client_ca_file);
  if (!files.xks_client_ca_file.empty()) {
    client_cas.emplace_back("xks.client_ca", files.xks_client_ca_file);
  }
  if (!client_cas.empty()) {
    if (auto s = TrustClientCas(native, client_cas); !s) return std::move(s).error();
  }
  if (!files.xks_client_ca_file.empty()) {
    // A resumed TLS 1.3 session keeps the client's leaf but not the intermediates it sent, so
    // XksClientCheck, which verifies the chain against the XKS CA alone, would refuse AWS KMS on
    // every resumed connection. Each connection makes a full handshake instead (KMS keeps its
    // connections open, so this costs one handshake per connection, not per call).
    SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(native, 0);
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  }
  return ctx;
}

}  // namespace kb::api::internal
