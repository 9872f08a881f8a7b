#pragma once

// The recipient key of a release: the RSA SubjectPublicKeyInfo inside an attestation document.

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ossl.h"

namespace kb::broker {

inline constexpr int kMinRecipientRsaBits = 2048;
inline constexpr int kMaxRecipientRsaBits = 16384;  // OpenSSL's limit for public-key operations

// kUnsupportedPublicKey unless `der` is exactly one DER SubjectPublicKeyInfo of an
// rsaEncryption key (parameters NULL, RFC 3279 §2.3.1) whose modulus is odd and has 2048 to 16384
// bits, and whose public exponent is odd, at least 3 and at most 64 bits. Parsed here rather than
// by d2i_PUBKEY, whose OpenSSL 3.0 decoder framework costs more than the RSA operation.
Result<OsslPtr<EVP_PKEY>> ParseRsaSpki(ByteSpan der);

}  // namespace kb::broker
