#pragma once

// TPM 2.0 structures of a quote, unmarshalled with the TSS (libtss2-mu) and checked strictly:
// every byte consumed, magic TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE, and only the
// signature schemes and hashes we verify.

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

enum class TpmHash { kSha256, kSha384 };
enum class TpmSigScheme { kRsassa, kRsapss, kEcdsa };

struct TpmPcrId {
  TpmHash bank;
  uint32_t index;
};

struct TpmQuote {
  Bytes qualified_signer;
  Bytes extra_data;
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::vector<TpmPcrId> selection;  // in quote order: banks as listed, indexes ascending
  Bytes pcr_digest;
};

struct TpmSignature {
  TpmSigScheme scheme;
  TpmHash hash;
  Bytes rsa_signature;  // RSASSA / RSAPSS
  Bytes ecdsa_r;        // ECDSA
  Bytes ecdsa_s;
};

inline constexpr size_t kMaxTpmStructureSize = 4096;

// kMalformedEvidence for anything but a complete TPMS_ATTEST of type quote; banks other than
// SHA-256/SHA-384 are kUnsupportedAlgorithm.
Result<TpmQuote> ParseTpmQuote(ByteSpan tpms_attest);

// kUnsupportedAlgorithm for schemes or hashes other than RSASSA/RSAPSS/ECDSA with SHA-256/384.
Result<TpmSignature> ParseTpmSignature(ByteSpan tpmt_signature);

// "sha256" / "sha384".
const char* TpmHashName(TpmHash hash);
size_t TpmHashSize(TpmHash hash);

}  // namespace kb::broker
