#include "policy/platform.h"

namespace kb::policy {

std::string_view PlatformName(Platform platform) {
  switch (platform) {
    case Platform::kNitroEnclave:
      return "nitro-enclave";
    case Platform::kNitroTpm:
      return "nitro-tpm";
    case Platform::kTpm2Quote:
      return "tpm2-quote";
  }
  return "unknown";
}

std::optional<Platform> ParsePlatform(std::string_view name) {
  for (Platform p : {Platform::kNitroEnclave, Platform::kNitroTpm, Platform::kTpm2Quote}) {
    if (PlatformName(p) == name) return p;
  }
  return std::nullopt;
}

uint32_t PcrCount(Platform platform) { return platform == Platform::kNitroEnclave ? 16 : 24; }

}  // namespace kb::policy
