#include "broker/admin/client_certificate.h"

#include <openssl/pem.h>

#include "common/encoding.h"
#include "crypto/ossl.h"

namespace kb::broker {
namespace {

constexpr size_t kMaxPem = 16 * 1024;
constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

// The one CN of `name`. Two CNs would let a certificate name one principal to this code and
// another to a tool that reads the other entry, so they are refused.
Result<std::string> OnlyCommonName(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return Malformed("the certificate's subject has no CN");
  if (X509_NAME_get_index_by_NID(name, NID_commonName, index) >= 0) {
    return Malformed("the certificate's subject has more than one CN");
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = data != nullptr ? ASN1_STRING_to_UTF8(&utf8, data) : -1;
  if (len < 0) {
    OsslClearErrors();
    return Malformed("the certificate's CN is not a string");
  }
  // Any NUL stays in the string, so such a CN never equals a principal's name.
  std::string cn(reinterpret_cast<const char*>(utf8), size_t(len));
  OPENSSL_free(utf8);
  return cn;
}

std::string_view Trim(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

Result<ClientCertificateIdentity> IdentifyClientCertificate(X509* cert) {
  auto cn = OnlyCommonName(X509_get_subject_name(cert));
  if (!cn) return std::move(cn).error();
  // The SubjectPublicKeyInfo exactly as the certificate carries it.
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len <= 0) return Error{ErrorCode::kInternal, OsslErrorString("i2d_X509_PUBKEY")};
  ClientCertificateIdentity identity{std::move(*cn), Sha256(ByteSpan(der, size_t(len)))};
  OPENSSL_free(der);
  return identity;
}

Result<ClientCertificateIdentity> ParseClientCertificatePem(std::string_view pem) {
  // One certificate block and nothing around it: PEM readers skip text between blocks, and a
  // second block (a chain, a private key) is a mistake the admin should hear about.
  std::string_view block = Trim(pem);
  if (pem.size() > kMaxPem || !block.starts_with(kBegin) || !block.ends_with(kEnd) ||
      block.find("-----BEGIN", 1) != std::string_view::npos) {
    return Malformed("certificate must be exactly one PEM CERTIFICATE block");
  }
  OsslPtr<BIO> bio(BIO_new_mem_buf(block.data(), int(block.size())));
  if (!bio) return Error{ErrorCode::kInternal, OsslErrorString("BIO_new_mem_buf")};
  OsslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    OsslClearErrors();
    return Malformed("certificate is not a valid X.509 certificate");
  }
  return IdentifyClientCertificate(cert.get());
}

std::string ClientCertificateId(const Sha256Digest& spki_sha256) {
  return "cert:" + HexEncode(spki_sha256);
}

}  // namespace kb::broker
