#include "broker/keys/rsa_oaep.h"

#include <openssl/rsa.h>

#include "common/ossl.h"

namespace kb::broker {

bool SetOaepSha256(EVP_PKEY_CTX* ctx) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1;
}

Result<Bytes> OaepSha256Encrypt(EVP_PKEY* key, ByteSpan plaintext) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !SetOaepSha256(ctx.get()) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("RSA-OAEP")};
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, "plaintext is too long for RSA-OAEP to this key"};
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
