#pragma once

// Writes Nitro attestation documents: the payload map and its COSE_Sign1 ES384 envelope, in the
// layout AWS uses (untagged, definite maps, keys in NSM order, null for unset optional fields).
// Used by the development attester and by tests; the verifier never depends on it.

#include <openssl/evp.h>

#include "broker/evidence/nitro_document.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

// The CBOR payload of `doc`. REQUIRES: fields within the limits ParseNitroPayload enforces.
Result<Bytes> EncodeNitroPayload(const NitroDocument& doc);

// The COSE_Sign1 envelope around an already encoded payload, with an explicit protected header
// and signature (tests use this to build documents that must fail).
Result<Bytes> EncodeCoseSign1(ByteSpan protected_header, ByteSpan payload, ByteSpan signature);

// Signs `payload` with ES384 under `key` (a P-384 private key) and returns the COSE_Sign1.
Result<Bytes> SignCoseSign1Es384(ByteSpan payload, EVP_PKEY* key);

}  // namespace kb::broker
