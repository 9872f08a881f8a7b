#pragma once

// TPM2B_PUBLIC of an attestation key → an OpenSSL public key, after checking that the object is
// a restricted signing key bound to its TPM.

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ossl.h"

namespace kb::broker::internal {

// kMalformedRequest for anything but exactly one TPM2B_PUBLIC (its size field counting its whole
// content) of an RSA (>= 2048 bits, keyBits matching the modulus) or ECC (P-256/P-384) key
// whose attributes include fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign,
// and exclude decrypt; whose nameAlg is a SHA hash; which names its signing scheme (RSASSA,
// RSAPSS or ECDSA, as a restricted signing key must) and no symmetric algorithm or KDF.
// The attributes are what the file says: they are bound into the key's Name, but nothing here
// proves that a TPM holds an object with that Name (that is credential activation).
Result<OsslPtr<EVP_PKEY>> Tpm2bPublicToKey(ByteSpan tpm2b_public);

}  // namespace kb::broker::internal
