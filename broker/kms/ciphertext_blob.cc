#include "broker/kms/ciphertext_blob.h"

#include "crypto/aes_gcm.h"

namespace kb::broker {
namespace {

constexpr char kMagic[4] = {'K', 'B', 'K', '1'};
constexpr size_t kMaxPlaintext = 4096;
constexpr size_t kMaxKeyId = 255;

void AppendU32(Bytes& out, uint32_t v) {
  out.insert(out.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
}

Bytes Header(const BlobHeader& h) {
  Bytes out(kMagic, kMagic + 4);
  out.push_back(uint8_t(h.key_id.size()));
  out.insert(out.end(), h.key_id.begin(), h.key_id.end());
  AppendU32(out, h.key_version);
  return out;
}

Bytes Aad(ByteSpan header, const EncryptionContext& context) {
  Bytes aad(header.begin(), header.end());
  for (const auto& [name, value] : context) {  // std::map: sorted by name
    AppendU32(aad, uint32_t(name.size()));
    aad.insert(aad.end(), name.begin(), name.end());
    AppendU32(aad, uint32_t(value.size()));
    aad.insert(aad.end(), value.begin(), value.end());
  }
  return aad;
}

Error Invalid() {
  return Error{ErrorCode::kInvalidCiphertext,
               "the ciphertext is not valid: altered, of another key, or another encryption "
               "context"};
}

}  // namespace

Result<Bytes> SealBlob(const BlobHeader& header, const GcmKey& key, ByteSpan plaintext,
                       const EncryptionContext& context, const Random& random) {
  if (plaintext.empty() || plaintext.size() > kMaxPlaintext) {
    return Error{ErrorCode::kMalformedRequest, "Plaintext must be 1 to 4096 bytes"};
  }
  if (header.key_id.empty() || header.key_id.size() > kMaxKeyId) {
    return Error{ErrorCode::kInternal, "key id too long for a ciphertext blob"};
  }
  Bytes blob = Header(header);
  size_t header_size = blob.size();
  blob.resize(header_size + kGcmNonceSize + plaintext.size() + kGcmTagSize);
  std::span<uint8_t> nonce(blob.data() + header_size, kGcmNonceSize);
  if (auto s = random.Fill(nonce); !s) return std::move(s).error();
  Bytes aad = Aad(ByteSpan(blob.data(), header_size), context);
  if (auto s = key.Seal(nonce, aad, plaintext,
                        std::span<uint8_t>(blob).subspan(header_size + kGcmNonceSize));
      !s) {
    return std::move(s).error();
  }
  return blob;
}

Result<BlobHeader> ReadBlobHeader(ByteSpan blob) {
  if (blob.size() < 5 || !std::equal(kMagic, kMagic + 4, blob.begin())) return Invalid();
  size_t id_size = blob[4];
  if (id_size == 0 || blob.size() < 5 + id_size + 4 + kGcmNonceSize + 1 + kGcmTagSize) {
    return Invalid();
  }
  BlobHeader h;
  h.key_id.assign(reinterpret_cast<const char*>(blob.data() + 5), id_size);
  const uint8_t* v = blob.data() + 5 + id_size;
  h.key_version = uint32_t(v[0]) << 24 | uint32_t(v[1]) << 16 | uint32_t(v[2]) << 8 | v[3];
  return h;
}

Result<SecretBytes> OpenBlob(ByteSpan blob, const GcmKey& key, const EncryptionContext& context) {
  auto header = ReadBlobHeader(blob);
  if (!header) return std::move(header).error();
  size_t header_size = 5 + header->key_id.size() + 4;
  size_t size = blob.size() - header_size - kGcmNonceSize - kGcmTagSize;
  ByteSpan nonce = blob.subspan(header_size, kGcmNonceSize);
  ByteSpan ciphertext = blob.subspan(header_size + kGcmNonceSize, size);
  ByteSpan tag = blob.subspan(header_size + kGcmNonceSize + size, kGcmTagSize);
  auto plaintext = key.Open(nonce, Aad(blob.first(header_size), context), ciphertext, tag);
  if (!plaintext && plaintext.error().code == ErrorCode::kInvalidCiphertext) return Invalid();
  return plaintext;
}

}  // namespace kb::broker
