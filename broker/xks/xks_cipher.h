#pragma once

// The bytes of the XKS proxy API's Encrypt and Decrypt (../shared/research/xks.md §4–5), pure
// and separate from the transport so that each is tested against the specification:
//   - AES-256-GCM with a 12-byte random IV and a 16-byte tag returned apart from the
//     ciphertext, which has the plaintext's length;
//   - ciphertextMetadata, 5 bytes: format 0x01 and the key version (u32 big-endian), so that a
//     rotated key still opens what its earlier versions sealed;
//   - the AAD given to AES-GCM binds the caller's AAD and the metadata, each with its length:
//     u16_be(len(aad)) || aad || u8(len(md)) || md. A metadata byte changed (another version)
//     or moved into the AAD fails the tag;
//   - the data integrity value is SHA-256(aad || md || iv || ciphertext || tag) with no
//     lengths: KMS recomputes it to catch bit flips on the way;
//   - the AES key is the kms key's XKS key (KmsUse::kXks: HKDF-SHA-256(key material, "keybroker
//     xks v1") for a sealed key; the token object with that AAD prefix for a token key), apart
//     from the KMS API's blob key made from the same kms key.

#include <cstdint>

#include "broker/keys/gcm_key.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace kb::broker::xks {

inline constexpr size_t kIvSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kMaxMetadataSize = 20;  // what KMS accepts
inline constexpr size_t kMaxAadSize = 8192;     // the spec's minimum; larger is refused

Bytes EncodeCiphertextMetadata(uint32_t key_version);
// The key version; kInvalidCiphertext for metadata keybroker did not write.
Result<uint32_t> DecodeCiphertextMetadata(ByteSpan metadata);

// u16_be(len(aad)) || aad || u8(len(metadata)) || metadata. REQUIRES: aad ≤ 65535 bytes,
// metadata ≤ 255 bytes (Seal and Open check it; the API refuses more before).
Bytes GcmAad(ByteSpan aad, ByteSpan metadata);

Sha256Digest IntegrityValue(ByteSpan aad, ByteSpan metadata, ByteSpan iv, ByteSpan ciphertext,
                            ByteSpan tag);

struct Sealed {
  Bytes ciphertext;
  Bytes iv;
  Bytes tag;
  Bytes metadata;
};

// Encrypts under `key` (the XKS key of version `key_version`). kInternal for an AAD over 65,535
// bytes (the API refuses more than 8,192 before).
Result<Sealed> Seal(const GcmKey& key, uint32_t key_version, ByteSpan plaintext, ByteSpan aad,
                    const Random& random);
// kInvalidCiphertext unless the tag verifies under `key` (an XKS key) for exactly these bytes.
Result<SecretBytes> Open(const GcmKey& key, ByteSpan ciphertext, ByteSpan iv, ByteSpan tag,
                         ByteSpan aad, ByteSpan metadata);

}  // namespace kb::broker::xks
