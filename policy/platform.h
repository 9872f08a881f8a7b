#pragma once

// The attestation platforms: one enum for the evidence verifiers (what a document proved it came
// from) and for policies and references (what they are written for). Text appears only at the
// edges: policy and reference files, the admin API, the CLI, the database and the audit log.

#include <cstdint>
#include <optional>
#include <string_view>

namespace kb::policy {

enum class Platform { kNitroEnclave, kNitroTpm, kTpm2Quote };

// "nitro-enclave", "nitro-tpm", "tpm2-quote".
std::string_view PlatformName(Platform platform);
// The inverse of PlatformName; nullopt for any other text.
std::optional<Platform> ParsePlatform(std::string_view name);

// How many PCRs the platform has; indices 0..PcrCount-1 exist. A Nitro enclave has 16 (its
// documents carry PCR0..PCR15); a TPM, NitroTPM included, has 24 (PCR0..PCR23, the PC Client
// profile's bank). A rule or reference naming any other index could never be met.
uint32_t PcrCount(Platform platform);

}  // namespace kb::policy
