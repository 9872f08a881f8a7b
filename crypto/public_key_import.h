#pragma once

// Public keys from their mathematical components, through the provider's key import
// (EVP_PKEY_fromdata). OpenSSL 3.0's DER decoders (d2i_PUBKEY) cost about 100 µs per key, a
// sixth of a P-384 verification; an import costs a few microseconds. Callers parse the encoding
// that carries the components (TPM2B_PUBLIC, SubjectPublicKeyInfo) themselves.

#include "common/bytes.h"
#include "crypto/ossl.h"

namespace kb {

// An RSA public key from its big-endian modulus and public exponent. Null (and the OpenSSL
// error queue cleared) when OpenSSL refuses the values.
OsslPtr<EVP_PKEY> ImportRsaPublicKey(ByteSpan modulus, ByteSpan exponent);

// An EC public key on `group` (an OpenSSL group name such as "secp384r1") from its encoded
// point (0x04 || x || y). Null (and the error queue cleared) when the point is not on the curve.
OsslPtr<EVP_PKEY> ImportEcPublicKey(const char* group, ByteSpan point);

}  // namespace kb
