#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include "crypto/ossl.h"

namespace kb {

Status AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                  std::span<uint8_t> out) {
  if (key.size() != kGcmKeySize || nonce.size() != kGcmNonceSize ||
      out.size() != plaintext.size() + kGcmTagSize) {
    return Error{ErrorCode::kInternal, "AES-256-GCM: bad sizes"};
  }
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(), int(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize,
                          out.data() + plaintext.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("AES-256-GCM seal")};
  }
  return Ok();
}

bool AesGcmOpen(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext, ByteSpan tag,
                std::span<uint8_t> out) {
  if (key.size() != kGcmKeySize || nonce.size() != kGcmNonceSize || tag.size() != kGcmTagSize ||
      out.size() != ciphertext.size()) {
    return false;
  }
  Bytes tag_copy(tag.begin(), tag.end());  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  return ctx &&
         EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) == 1 &&
         EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size())) == 1 &&
         EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext.data(),
                           int(ciphertext.size())) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag_copy.data()) == 1 &&
         EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) == 1;
}

}  // namespace kb
