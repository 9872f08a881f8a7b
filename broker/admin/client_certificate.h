#pragma once

// What identifies an admin client certificate: the principal its subject CN names and the
// SHA-256 of its SubjectPublicKeyInfo DER. The TLS layer reads both from the certificate it
// verified, and the admin API from the PEM an admin binds; one function reads both, so that the
// name checked at binding is the name used at login. A CN alone names a principal for whoever
// runs the client CA; the key hash is what a binding approved under the two-person rule pins.

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/digest.h"

namespace kb::broker {

struct ClientCertificateIdentity {
  std::string common_name;  // the subject's one CN, as UTF-8; empty: none
  Sha256Digest spki_sha256{};
};

// Of a parsed certificate. kMalformedRequest unless the subject has exactly one CN (kept as it
// is, NULs included, so that only an exact principal name matches); kInternal if the key cannot
// be encoded.
Result<ClientCertificateIdentity> IdentifyClientCertificate(X509* cert);

// Of PEM text holding exactly one "CERTIFICATE" block and nothing else (no key, no chain).
// kMalformedRequest otherwise, or as IdentifyClientCertificate.
Result<ClientCertificateIdentity> ParseClientCertificatePem(std::string_view pem);

// "cert:" + lowercase hex of the key hash: the binding's id.
std::string ClientCertificateId(const Sha256Digest& spki_sha256);

}  // namespace kb::broker
