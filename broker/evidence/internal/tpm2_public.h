#pragma once

// TPM2B_PUBLIC of an attestation key → an OpenSSL public key, after checking that the object is
// a restricted signing key bound to its TPM.

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/result.h"

namespace kb::broker::internal {

// kMalformedRequest for anything but a complete TPM2B_PUBLIC of an RSA or ECC (P-256/P-384)
// key whose attributes include fixedTPM, fixedParent, sensitiveDataOrigin, restricted and
// sign, and exclude decrypt.
Result<OsslPtr<EVP_PKEY>> Tpm2bPublicToKey(ByteSpan tpm2b_public);

}  // namespace kb::broker::internal
