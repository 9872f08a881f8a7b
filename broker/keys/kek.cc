#include "broker/keys/kek.h"

#include <climits>

#include "crypto/aes_gcm.h"
#include "crypto/keyed_sha256.h"
#include "crypto/ossl.h"

namespace kb::broker {
namespace {

constexpr uint8_t kFormatVersion = 0x01;
constexpr size_t kNonceSize = kGcmNonceSize;
constexpr size_t kTagSize = kGcmTagSize;
constexpr size_t kMaxPlaintext = 64 * 1024;

void AppendU32(Bytes& out, uint32_t v) {
  out.insert(out.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
}

Bytes Aad(std::string_view key_id, uint32_t version) {
  static constexpr char kLabel[] = "keybroker-key";  // with its terminating NUL
  Bytes aad(kLabel, kLabel + sizeof kLabel);
  AppendU32(aad, uint32_t(key_id.size()));
  aad.insert(aad.end(), key_id.begin(), key_id.end());
  AppendU32(aad, version);
  return aad;
}

Error Unsealable() {
  OsslClearErrors();
  return Error{ErrorCode::kInternal, "key material could not be unsealed"};
}

// A KEK of 32 bytes in memory.
class SoftwareKek final : public KekBackend {
 public:
  explicit SoftwareKek(SecretBytes key) : key_(std::move(key)) {}
  Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
              std::span<uint8_t> out) const override {
    return AesGcmSeal(key_.span(), nonce, aad, plaintext, out);
  }
  Result<SecretBytes> Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                           ByteSpan tag) const override {
    SecretBytes plaintext(ciphertext.size());
    if (!AesGcmOpen(key_.span(), nonce, aad, ciphertext, tag, plaintext.mutable_span())) {
      return Error{ErrorCode::kInvalidCiphertext, "the tag does not verify"};
    }
    return plaintext;
  }
  Result<SecretBytes> Derive(std::string_view info) const override {
    return HkdfSha256(key_.span(), info, Kek::kSize);
  }

 private:
  SecretBytes key_;
};

}  // namespace

Result<Kek> Kek::FromBytes(SecretBytes key) {
  if (key.size() != kSize) {
    return Error{ErrorCode::kMalformedRequest, "the KEK must be exactly 32 bytes"};
  }
  return Kek(std::make_unique<SoftwareKek>(std::move(key)));
}

Result<Bytes> Kek::Seal(std::string_view key_id, uint32_t version, const SecretBytes& plaintext,
                        const Random& random) const {
  if (plaintext.size() > kMaxPlaintext) return Error{ErrorCode::kInternal, "key too large"};
  Bytes out(1 + kNonceSize + plaintext.size() + kTagSize);
  out[0] = kFormatVersion;
  std::span<uint8_t> nonce(out.data() + 1, kNonceSize);
  if (auto s = random.Fill(nonce); !s) return std::move(s).error();
  if (auto s = backend_->Seal(nonce, Aad(key_id, version), plaintext.span(),
                              std::span<uint8_t>(out).subspan(1 + kNonceSize));
      !s) {
    return std::move(s).error();
  }
  return out;
}

Result<SecretBytes> Kek::Unseal(std::string_view key_id, uint32_t version, ByteSpan sealed) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize || sealed[0] != kFormatVersion ||
      sealed.size() > 1 + kNonceSize + kMaxPlaintext + kTagSize) {
    return Unsealable();
  }
  size_t size = sealed.size() - 1 - kNonceSize - kTagSize;
  const uint8_t* nonce = sealed.data() + 1;
  const uint8_t* ciphertext = nonce + kNonceSize;
  auto plaintext =
      backend_->Open(ByteSpan(nonce, kNonceSize), Aad(key_id, version), ByteSpan(ciphertext, size),
                     ByteSpan(ciphertext + size, kTagSize));
  if (!plaintext && plaintext.error().code == ErrorCode::kInvalidCiphertext) {
    return Unsealable();  // the tag did not verify: nothing of the plaintext is returned
  }
  return plaintext;  // or the token's error, with its cause
}

}  // namespace kb::broker
