#pragma once

// What a verified attestation proves, in a platform-neutral shape. Policies evaluate these claims;
// `keybroker verify` prints them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/time.h"
#include "crypto/digest.h"
#include "policy/claims.h"
#include "policy/platform.h"

namespace kb::broker {

// One platform enum for evidence and policy (policy/platform.h).
using policy::Platform;
using policy::PlatformName;

struct CertificateInfo {
  std::string subject;  // RFC 2253 form, e.g. "CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US"
  Time not_before;
  Time not_after;
  Sha256Digest sha256;  // of the DER encoding
};

// What a TPM 2.0 quote adds: the attestation key that signed it and the TPM's clock state.
struct TpmClaims {
  Sha256Digest ak_sha256;  // SHA-256 of the AK's SubjectPublicKeyInfo DER
  uint64_t clock = 0;      // ms since the TPM was last cleared
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::map<std::string, std::map<uint32_t, Bytes>> pcr_banks;  // every quoted bank
};

// The claims policies evaluate are the base (platform, module_id, timestamp, pcrs, user_data,
// nonce), so that a policy reads them where the verifier put them, without a copy.
struct EvidenceClaims : policy::Claims {
  std::string digest;  // "SHA384"
  std::optional<Bytes> public_key;
  std::vector<CertificateInfo> chain;  // root first, leaf last (Nitro only)
  std::optional<TpmClaims> tpm;        // tpm2-quote only
};

}  // namespace kb::broker
