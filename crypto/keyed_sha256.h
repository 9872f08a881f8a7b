#pragma once

// Keyed SHA-256: HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869), through OpenSSL's
// EVP_MAC and EVP_KDF. Keys are taken as spans so that callers keep them in SecretBytes.

#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/digest.h"

namespace kb {

// HMAC-SHA-256 of `data` under `key`. kInternal only if OpenSSL fails.
Result<Sha256Digest> HmacSha256(ByteSpan key, ByteSpan data);

// `size` bytes of HKDF-SHA-256 output keyed by `ikm`, with no salt and the given `info`
// (which separates the uses of one input key). REQUIRES: 0 < size <= 255 * 32.
Result<SecretBytes> HkdfSha256(ByteSpan ikm, std::string_view info, size_t size);

}  // namespace kb
