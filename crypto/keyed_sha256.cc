#include "crypto/keyed_sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/ossl.h"

namespace kb {

Result<Sha256Digest> HmacSha256(ByteSpan key, ByteSpan data) {
  Sha256Digest out;
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data.data(),
                data.size(), out.data(), out.size(), &out_len) == nullptr ||
      out_len != out.size()) {
    return Error{ErrorCode::kInternal, OsslErrorString("HMAC-SHA-256")};
  }
  return out;
}

Result<SecretBytes> HkdfSha256(ByteSpan ikm, std::string_view info, size_t size) {
  // Fetched once: a fetch is a provider lookup under a lock, on every XKS call otherwise. The
  // object is immutable and shared by threads; it lives as long as the process.
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  OsslPtr<EVP_KDF_CTX> ctx(kdf ? EVP_KDF_CTX_new(kdf) : nullptr);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  SecretBytes out(size);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.mutable_span().data(), out.size(), params) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("HKDF-SHA-256")};
  }
  return out;
}

}  // namespace kb
