#pragma once

// COSE_Sign1 (RFC 9052 §4.2) as AWS Nitro documents use it: ES384 only.

#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

struct CoseSign1 {
  Bytes protected_header;  // exactly the received bytes: they are signed as such
  Bytes payload;
  Bytes signature;  // 96 bytes: r || s, each 48 bytes big-endian
};

// Limits of the envelope, from ../shared/research/formats.md and KMS's Recipient limit.
inline constexpr size_t kMaxDocumentSize = 262144;
inline constexpr size_t kMaxPayloadSize = 16384;
inline constexpr size_t kEs384SignatureSize = 96;

// Decodes a tagged (18) or untagged COSE_Sign1 and checks its shape: an array of exactly four
// items; a protected header that is exactly {1: -35} (any other algorithm, or none, is
// kUnsupportedAlgorithm, decided before any cryptography); an unprotected header map without an
// algorithm; a payload of 1..kMaxPayloadSize bytes; a 96-byte signature. Everything else is
// kMalformedEvidence.
Result<CoseSign1> ParseCoseSign1(ByteSpan document);

// The bytes that the signature covers:
// ["Signature1", protected_header, h'' (external_aad), payload] as a definite CBOR array.
Bytes SigStructure(const CoseSign1& cose);

// ECDSA P-384 with SHA-384 over SigStructure(cose). REQUIRES: `key` is a P-384 public key.
// kBadSignature when the signature does not verify.
Status VerifyEs384(const CoseSign1& cose, EVP_PKEY* key);

}  // namespace kb::broker
