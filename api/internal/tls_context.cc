#include "api/internal/tls_context.h"

#include <openssl/ssl.h>

#include "crypto/ossl.h"

namespace kb::api::internal {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites: ECDHE with AEAD only. TLS 1.3 suites are all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305";

Status TrustClientCa(SSL_CTX* native, const std::string& ca_file) {
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  static constexpr unsigned char kSessionContext[] = "keybroker";
  if (names == nullptr || SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1 ||
      SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1) != 1) {
    if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
    return Error{ErrorCode::kInternal, OsslErrorString("admin client CA " + ca_file)};
  }
  SSL_CTX_set_client_CA_list(native, names);  // takes ownership
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
  if (!files.client_ca_file.empty()) {
    if (auto s = TrustClientCa(native, files.client_ca_file); !s) return std::move(s).error();
  }
  return ctx;
}

}  // namespace kb::api::internal
