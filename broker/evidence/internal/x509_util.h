#pragma once

// Small X.509 helpers over OpenSSL for the chain verifier.

#include <openssl/x509.h>

#include <optional>
#include <string>

#include "broker/evidence/evidence_claims.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ossl.h"

namespace kb::broker::internal {

// Decodes one DER certificate; the bytes must hold exactly one certificate and nothing after it.
Result<OsslPtr<X509>> ParseDerCertificate(ByteSpan der);

// Subject, validity and the SHA-256 of `der`. REQUIRES: `der` is the encoding of `cert`.
Result<CertificateInfo> DescribeCertificate(X509* cert, const Sha256Digest& der_sha256);

// True for an EC key on NIST P-384, the only curve of the Nitro PKI.
bool IsP384Key(EVP_PKEY* key);

// not_before <= at <= not_after.
bool ValidAt(const CertificateInfo& info, Time at);

}  // namespace kb::broker::internal
