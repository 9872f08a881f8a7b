#pragma once

// AES-256-GCM with a 12-byte nonce and a 16-byte tag, for the formats that seal with it (the
// KEK's sealed keys, KMS ciphertext blobs). The caller owns the layout and the nonce.

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/result.h"

namespace kb {

constexpr size_t kGcmKeySize = 32;
constexpr size_t kGcmNonceSize = 12;
constexpr size_t kGcmTagSize = 16;

// Writes the ciphertext (plaintext.size() bytes) and then the tag into `out`.
// REQUIRES: key 32 bytes, nonce 12 bytes, out.size() == plaintext.size() + 16.
Status AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                  std::span<uint8_t> out);

// Decrypts `ciphertext` (without the tag) into `out` (the same size) if `tag` verifies; false
// otherwise, and then `out` holds nothing to use.
bool AesGcmOpen(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext, ByteSpan tag,
                std::span<uint8_t> out);

}  // namespace kb
