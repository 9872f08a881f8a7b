#pragma once

// The attestation platforms: one enum for the evidence verifiers (what a document proved it came
// from) and for policies and references (what they are written for). Text appears only at the
// edges: policy and reference files, the admin API, the CLI, the database and the audit log.

#include <optional>
#include <string_view>

namespace kb::policy {

enum class Platform { kNitroEnclave, kNitroTpm, kTpm2Quote };

// "nitro-enclave", "nitro-tpm", "tpm2-quote".
std::string_view PlatformName(Platform platform);
// The inverse of PlatformName; nullopt for any other text.
std::optional<Platform> ParsePlatform(std::string_view name);

}  // namespace kb::policy
