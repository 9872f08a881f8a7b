#pragma once

// The tpm2-quote evidence object, as the CLI and /v1/release take it:
// {"type": "tpm2-quote", "quote": base64 TPMS_ATTEST, "signature": base64 TPMT_SIGNATURE,
//  "pcrs": {"sha256": {"4": hex, ...}}, "public_key": base64 SPKI DER, "nonce": hex}

#include <cstdint>
#include <map>
#include <string>

#include "broker/evidence/tpm2_structures.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

inline constexpr size_t kMaxTpm2EvidenceSize = 64 * 1024;

struct Tpm2Evidence {
  Bytes quote;
  Bytes signature;
  std::map<std::string, std::map<uint32_t, Bytes>> pcrs;  // bank → index → value
  // The key released keys are wrapped to (DER SubjectPublicKeyInfo). Opaque here, as in Nitro
  // documents: the wrapping step decodes it and refuses keys it cannot wrap to.
  Bytes public_key;
  Bytes nonce;
};

// True when `document` is a JSON object (tpm2-quote evidence) rather than CBOR (Nitro):
// its first non-blank byte is '{', which no COSE_Sign1 starts with.
bool IsJsonEvidence(ByteSpan document);

// Strict: exactly the six members, each of its type; banks sha256/sha384 with values of their
// size; PCR indexes 0..23; quote, signature and public_key non-empty base64; nonce 1..64 bytes.
// kMalformedEvidence otherwise.
Result<Tpm2Evidence> ParseTpm2Evidence(ByteSpan json);

}  // namespace kb::broker
