#pragma once

// Reference measurements: the PCR values a known-good build produces, registered by an admin.
// A reference is immutable once registered, except for its status (revocation).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "policy/platform.h"

namespace kb::policy {

// A registered reference is kPending until enough admins approved it (the two-person rule), then
// kActive; revocation (kRevoked) is immediate. Only kActive references match in a policy.
enum class ReferenceStatus { kPending, kActive, kRevoked };

std::string_view ReferenceStatusName(ReferenceStatus status);  // "pending" | "active" | "revoked"

struct Reference {
  std::string name;  // e.g. "payments-enclave@1.4.2" or "ami-0abc1234"
  Platform platform = Platform::kNitroEnclave;
  std::map<uint32_t, Bytes> pcrs;
  std::string source;  // free text: where the values came from
  ReferenceStatus status = ReferenceStatus::kActive;
  Time created_at{};
  std::string created_by;
};

// Names of policies, references and keys: 1..128 of [A-Za-z0-9._@:/-], starting alphanumeric.
bool IsValidName(std::string_view name);

// The digest sizes a platform's PCRs may have: 48 bytes for Nitro (SHA-384), 32 or 48 for TPM 2.0
// quotes (SHA-256 or SHA-384 banks).
bool IsValidPcrSize(Platform platform, size_t size);

// Checks name, platform, 1..32 PCRs with indexes the platform has (PcrCount: 0..15 on
// nitro-enclave, 0..23 on nitro-tpm and tpm2-quote) and sizes for the platform. A nitro-tpm
// reference must bind PCR7 (Secure Boot) or PCR12 (kernel command line): without either, an
// attacker can append to the kernel command line unnoticed (AWS advisory GHSA-xrv8-2pf5-f3q7).
// A nitro-enclave reference must bind PCR0 (image) or PCR8 (signing certificate): PCR3 (IAM
// role) and PCR4 (instance) alone admit any enclave image on that instance.
Status ValidateReference(const Reference& reference);

}  // namespace kb::policy
