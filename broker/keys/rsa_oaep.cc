#include "broker/keys/rsa_oaep.h"

#include <openssl/rsa.h>

#include <algorithm>

#include "crypto/ossl.h"

namespace kb::broker {

namespace {

bool SetOaep(EVP_PKEY_CTX* ctx, const EVP_MD* md) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1;
}

}  // namespace

bool SetOaepSha256(EVP_PKEY_CTX* ctx) { return SetOaep(ctx, EVP_sha256()); }

Result<Bytes> OaepSha256Encrypt(EVP_PKEY* key, ByteSpan plaintext) {
  return OaepEncrypt(key, plaintext, EVP_sha256());
}

Result<Bytes> OaepEncrypt(EVP_PKEY* key, ByteSpan plaintext, const EVP_MD* md) {
  // RFC 8017 §7.1.1: at most k - 2 hLen - 2 bytes for a k-byte modulus.
  const size_t kOverhead = 2 * size_t(EVP_MD_get_size(md)) + 2;
  size_t modulus_bytes = size_t(std::max(EVP_PKEY_get_size(key), 0));
  if (modulus_bytes < kOverhead || plaintext.size() > modulus_bytes - kOverhead) {
    return Error{ErrorCode::kMalformedRequest, "plaintext is too long for RSA-OAEP to this key"};
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  Bytes out(modulus_bytes);
  size_t len = out.size();
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !SetOaep(ctx.get(), md) ||
      EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("RSA-OAEP")};
  }
  out.resize(len);
  return out;
}

Result<SecretBytes> OaepSha256Decrypt(EVP_PKEY* key, ByteSpan ciphertext) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !SetOaepSha256(ctx.get()) ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()) != 1) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, "ciphertext does not decrypt with RSA-OAEP"};
  }
  SecretBytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.mutable_span().data(), &len, ciphertext.data(),
                       ciphertext.size()) != 1) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, "ciphertext does not decrypt with RSA-OAEP"};
  }
  out.Truncate(len);
  return out;
}

}  // namespace kb::broker
