#include "api/internal/xks_client_check.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace kb::api::internal {
namespace {

// The subject's one CN; empty when it has none or several.
std::string CommonName(X509* certificate) {
  X509_NAME* name = X509_get_subject_name(certificate);
  int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, at) >= 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     size_t(ASN1_STRING_length(data)));
}

}  // namespace

Result<std::shared_ptr<const XksClientCheck>> XksClientCheck::Load(const std::string& ca_file,
                                                                   std::string subject) {
  OsslPtr<X509_STORE> store(X509_STORE_new());
  if (!store || X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("xks.client_ca " + ca_file)};
  }
  return std::shared_ptr<const XksClientCheck>(
      new XksClientCheck(std::move(store), std::move(subject)));
}

bool XksClientCheck::Accepts(SSL* ssl) const {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return false;
  if (CommonName(peer) != subject_) return false;
  OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  // On a server the peer chain excludes the leaf: the intermediates the client sent.
  return ctx &&
         X509_STORE_CTX_init(ctx.get(), store_.get(), peer, SSL_get_peer_cert_chain(ssl)) == 1 &&
         X509_verify_cert(ctx.get()) == 1;
}

}  // namespace kb::api::internal
