#pragma once

// Mutual TLS for the XKS API (xks.client_ca, xks.client_subject): whether the client certificate
// of a connection chains to the XKS client CA alone (not to the admin client CA, which the
// server also trusts for admin certificates) and its subject CN is the configured one, such as
// AWS KMS's cks.kms.<region>.amazonaws.com. A certificate that chains to neither CA fails the
// handshake already (tls_context.cc); this decides whether a verified one may call XKS.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "crypto/ossl.h"

namespace kb::api::internal {

class XksClientCheck {
 public:
  // kInternal naming the file when it holds no usable certificate.
  static Result<std::shared_ptr<const XksClientCheck>> Load(const std::string& ca_file,
                                                            std::string subject);
  // The peer certificate of `ssl` (a finished handshake) chains to the CA and names the subject.
  bool Accepts(SSL* ssl) const;

 private:
  XksClientCheck(OsslPtr<X509_STORE> store, std::string subject)
      : store_(std::move(store)), subject_(std::move(subject)) {}

  OsslPtr<X509_STORE> store_;
  std::string subject_;
};

}  // namespace kb::api::internal
