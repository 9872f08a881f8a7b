#pragma once

// The payload of a Nitro attestation document (NSM AttestationDocument), parsed strictly.

#include <optional>
#include <string>
#include <vector>

#include "broker/evidence/evidence_claims.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

inline constexpr size_t kMaxCertificateSize = 1024;
inline constexpr size_t kMaxCabundleSize = 8;
inline constexpr size_t kMaxOptionalFieldSize = 1024;
inline constexpr size_t kMaxModuleIdSize = 256;
inline constexpr size_t kMaxPcrIndex = 31;
inline constexpr size_t kPcrSize = 48;  // SHA-384, the only digest Nitro uses

struct NitroDocument {
  Platform platform;  // kNitroEnclave for `pcrs`, kNitroTpm for `nitrotpm_pcrs`
  std::string module_id;
  Time timestamp;
  std::string digest;
  std::map<uint32_t, Bytes> pcrs;
  Bytes certificate;            // DER leaf
  std::vector<Bytes> cabundle;  // DER, root first
  std::optional<Bytes> public_key;
  std::optional<Bytes> user_data;
  std::optional<Bytes> nonce;
};

// Parses the payload map. Every field is checked for type and size (formats.md, with the
// relaxations real documents need: null for unset optional fields, up to 1024 bytes for each
// of them, definite or indefinite maps, any key order). Rejected with kMalformedEvidence: keys
// that are not text, unknown or duplicate keys, both or neither of `pcrs`/`nitrotpm_pcrs`,
// missing required fields, digest other than "SHA384", timestamp 0, a module_id that is empty
// or not printable ASCII, PCR indexes above 31 or values not 48 bytes, an empty or overlong
// cabundle, certificates of 0 or more than 1024 bytes.
Result<NitroDocument> ParseNitroPayload(ByteSpan payload);

}  // namespace kb::broker
