#include "crypto/public_key_import.h"

#include <openssl/core_names.h>

namespace kb {
namespace {

OsslPtr<EVP_PKEY> FromParams(const char* type, OSSL_PARAM_BLD* builder) {
  OsslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    OsslClearErrors();
    return nullptr;
  }
  return OsslPtr<EVP_PKEY>(key);
}

}  // namespace

OsslPtr<EVP_PKEY> ImportRsaPublicKey(ByteSpan modulus, ByteSpan exponent) {
  OsslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  OsslPtr<BIGNUM> n(BN_bin2bn(modulus.data(), int(modulus.size()), nullptr));
  OsslPtr<BIGNUM> e(BN_bin2bn(exponent.data(), int(exponent.size()), nullptr));
  if (!builder || !n || !e ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    OsslClearErrors();
    return nullptr;
  }
  return FromParams("RSA", builder.get());
}

OsslPtr<EVP_PKEY> ImportEcPublicKey(const char* group, ByteSpan point) {
  OsslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    OsslClearErrors();
    return nullptr;
  }
  return FromParams("EC", builder.get());
}

}  // namespace kb
