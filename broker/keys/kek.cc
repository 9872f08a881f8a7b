#include "broker/keys/kek.h"

#include <climits>

#include "common/ossl.h"

namespace kb::broker {
namespace {

constexpr uint8_t kFormatVersion = 0x01;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
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

}  // namespace

Result<Kek> Kek::FromBytes(SecretBytes key) {
  if (key.size() != kSize) {
    return Error{ErrorCode::kMalformedRequest, "the KEK must be exactly 32 bytes"};
  }
  return Kek(std::move(key));
}

Result<Bytes> Kek::Seal(std::string_view key_id, uint32_t version, const SecretBytes& plaintext,
                        const Random& random) const {
  if (plaintext.size() > kMaxPlaintext) return Error{ErrorCode::kInternal, "key too large"};
  Bytes out(1 + kNonceSize + plaintext.size() + kTagSize);
  out[0] = kFormatVersion;
  std::span<uint8_t> nonce(out.data() + 1, kNonceSize);
  if (auto s = random.Fill(nonce); !s) return std::move(s).error();
  Bytes aad = Aad(key_id, version);
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  uint8_t* ciphertext = out.data() + 1 + kNonceSize;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.span().data(), nonce.data()) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ciphertext, &len, plaintext.span().data(),
                        int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          ciphertext + plaintext.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("AES-256-GCM seal")};
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
  Bytes tag(ciphertext + size, ciphertext + size + kTagSize);
  Bytes aad = Aad(key_id, version);
  SecretBytes plaintext(size);
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.span().data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plaintext.mutable_span().data(), &len, ciphertext, int(size)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plaintext.mutable_span().data() + len, &len) != 1) {
    return Unsealable();  // the tag did not verify: nothing of the plaintext is returned
  }
  return plaintext;
}

}  // namespace kb::broker
