#pragma once

// One-shot SHA-2 digests of public data.

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace kb {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha384Digest = std::array<uint8_t, 48>;

Sha256Digest Sha256(ByteSpan data);
Sha384Digest Sha384(ByteSpan data);

}  // namespace kb
