#pragma once

// The facts a policy is evaluated against: what a verifier proved about an attestation. The
// broker's verified claims (broker::EvidenceClaims) extend this struct, so that policy/ depends
// on nothing above it and nothing is copied between the two.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/time.h"
#include "policy/platform.h"

namespace kb::policy {

struct Claims {
  Platform platform = Platform::kNitroEnclave;
  std::string module_id;
  Time timestamp;
  std::map<uint32_t, Bytes> pcrs;
  std::optional<Bytes> user_data;
  std::optional<Bytes> nonce;
};

}  // namespace kb::policy
