#include "broker/xks/xks_cipher.h"

#include <openssl/evp.h>

#include "crypto/aes_gcm.h"
#include "crypto/keyed_sha256.h"

namespace kb::broker::xks {
namespace {

constexpr uint8_t kMetadataFormat = 0x01;
constexpr size_t kMaxEncodedAad = 0xffff;
constexpr size_t kMaxEncodedMetadata = 0xff;

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidCiphertext, std::move(message)};
}

}  // namespace

Bytes EncodeCiphertextMetadata(uint32_t key_version) {
  return {kMetadataFormat, uint8_t(key_version >> 24), uint8_t(key_version >> 16),
          uint8_t(key_version >> 8), uint8_t(key_version)};
}

Result<uint32_t> DecodeCiphertextMetadata(ByteSpan metadata) {
  if (metadata.size() != 5 || metadata[0] != kMetadataFormat) {
    return Invalid("ciphertextMetadata is not keybroker's (format 1, 5 bytes)");
  }
  uint32_t version = uint32_t(metadata[1]) << 24 | uint32_t(metadata[2]) << 16 |
                     uint32_t(metadata[3]) << 8 | uint32_t(metadata[4]);
  if (version == 0) return Invalid("ciphertextMetadata names key version 0");
  return version;
}

Bytes GcmAad(ByteSpan aad, ByteSpan metadata) {
  Bytes out;
  out.reserve(3 + aad.size() + metadata.size());
  out.push_back(uint8_t(aad.size() >> 8));
  out.push_back(uint8_t(aad.size()));
  out.insert(out.end(), aad.begin(), aad.end());
  out.push_back(uint8_t(metadata.size()));
  out.insert(out.end(), metadata.begin(), metadata.end());
  return out;
}

Sha256Digest IntegrityValue(ByteSpan aad, ByteSpan metadata, ByteSpan iv, ByteSpan ciphertext,
                            ByteSpan tag) {
  Bytes all;
  all.reserve(aad.size() + metadata.size() + iv.size() + ciphertext.size() + tag.size());
  for (ByteSpan part : {aad, metadata, iv, ciphertext, tag}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return Sha256(all);
}

Result<Sealed> Seal(const GcmKey& key, uint32_t key_version, ByteSpan plaintext, ByteSpan aad,
                    const Random& random) {
  if (aad.size() > kMaxEncodedAad) return Error{ErrorCode::kInternal, "XKS: AAD too long"};
  Sealed out;
  out.metadata = EncodeCiphertextMetadata(key_version);
  out.iv.resize(kIvSize);
  if (auto s = random.Fill(out.iv); !s) return std::move(s).error();
  Bytes sealed(plaintext.size() + kGcmTagSize);
  if (auto s = key.Seal(out.iv, GcmAad(aad, out.metadata), plaintext, sealed); !s) {
    return std::move(s).error();
  }
  out.tag.assign(sealed.end() - kTagSize, sealed.end());
  sealed.resize(plaintext.size());
  out.ciphertext = std::move(sealed);
  return out;
}

Result<SecretBytes> Open(const GcmKey& key, ByteSpan ciphertext, ByteSpan iv, ByteSpan tag,
                         ByteSpan aad, ByteSpan metadata) {
  if (aad.size() > kMaxEncodedAad || metadata.size() > kMaxEncodedMetadata) {
    return Invalid("the AAD or the metadata is too long");
  }
  if (iv.size() != kIvSize) return Invalid("initializationVector must be 12 bytes");
  if (tag.size() != kTagSize) return Invalid("authenticationTag must be 16 bytes");
  auto plaintext = key.Open(iv, GcmAad(aad, metadata), ciphertext, tag);
  if (!plaintext && plaintext.error().code == ErrorCode::kInvalidCiphertext) {
    return Invalid("the ciphertext, IV, tag, AAD or metadata do not verify under this key");
  }
  return plaintext;
}

}  // namespace kb::broker::xks
