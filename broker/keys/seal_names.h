#pragma once

// The names and versions that values other than key versions are sealed under with the KEK
// (Kek::Seal binds both into the AAD). Each kind has its own namespace, so a sealed blob moved
// from one row to another, or to another kind of row, does not open. Key versions are sealed
// under their own key id and version. `keybroker kek rotate` re-seals every kind with these.

#include <cstdint>
#include <string>
#include <string_view>

namespace kb::broker {

// KMS access key secrets (broker/admin/access_keys.h).
inline constexpr uint32_t kAccessKeySealVersion = 1;
inline std::string AccessKeySealName(std::string_view access_key_id) {
  return "access-key:" + std::string(access_key_id);
}

// The private halves of import wrapping keys (broker/admin/key_admin.h), by the token's
// SHA-256 in lowercase hex.
inline constexpr uint32_t kImportTokenSealVersion = 0;
inline std::string ImportTokenSealName(std::string_view token_sha256_hex) {
  return "import-token:" + std::string(token_sha256_hex);
}

}  // namespace kb::broker
