#include "broker/evidence/internal/tpm2_public.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

namespace kb::broker::internal {
namespace {

Error Invalid(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

Result<OsslPtr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    OsslClearErrors();
    return Invalid("attestation key parameters are invalid");
  }
  return OsslPtr<EVP_PKEY>(key);
}

Result<OsslPtr<EVP_PKEY>> RsaKey(const TPMT_PUBLIC& pub) {
  const TPM2B_PUBLIC_KEY_RSA& n = pub.unique.rsa;
  uint32_t e = pub.parameters.rsaDetail.exponent == 0 ? 65537 : pub.parameters.rsaDetail.exponent;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  OsslPtr<BIGNUM> bn_n(BN_bin2bn(n.buffer, n.size, nullptr));
  OsslPtr<BIGNUM> bn_e(BN_new());
  if (!bld || !bn_n || !bn_e || BN_set_word(bn_e.get(), e) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("RSA parameters")};
  }
  return FromParams("RSA", bld.get());
}

Result<OsslPtr<EVP_PKEY>> EccKey(const TPMT_PUBLIC& pub) {
  const char* group = nullptr;
  size_t coordinate = 0;
  if (pub.parameters.eccDetail.curveID == TPM2_ECC_NIST_P256) {
    group = "prime256v1";
    coordinate = 32;
  } else if (pub.parameters.eccDetail.curveID == TPM2_ECC_NIST_P384) {
    group = "secp384r1";
    coordinate = 48;
  } else {
    return Invalid("ECC attestation keys must be on P-256 or P-384");
  }
  const TPMS_ECC_POINT& point = pub.unique.ecc;
  if (point.x.size != coordinate || point.y.size != coordinate) {
    return Invalid("ECC point has the wrong size");
  }
  Bytes encoded{0x04};  // uncompressed point
  encoded.insert(encoded.end(), point.x.buffer, point.x.buffer + coordinate);
  encoded.insert(encoded.end(), point.y.buffer, point.y.buffer + coordinate);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, encoded.data(),
                                       encoded.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("EC parameters")};
  }
  return FromParams("EC", bld.get());
}

}  // namespace

Result<OsslPtr<EVP_PKEY>> Tpm2bPublicToKey(ByteSpan bytes) {
  TPM2B_PUBLIC pub{};
  size_t offset = 0;
  if (bytes.empty() || bytes.size() > 2048 ||
      Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &pub) !=
          TSS2_RC_SUCCESS ||
      offset != bytes.size()) {
    return Invalid("attestation key is not a TPM2B_PUBLIC");
  }
  constexpr TPMA_OBJECT kRequired = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED |
                                    TPMA_OBJECT_SIGN_ENCRYPT;
  TPMA_OBJECT attributes = pub.publicArea.objectAttributes;
  if ((attributes & kRequired) != kRequired || (attributes & TPMA_OBJECT_DECRYPT) != 0) {
    return Invalid("attestation key must be a restricted signing key fixed to its TPM");
  }
  switch (pub.publicArea.type) {
    case TPM2_ALG_RSA:
      return RsaKey(pub.publicArea);
    case TPM2_ALG_ECC:
      return EccKey(pub.publicArea);
    default:
      return Invalid("attestation key must be RSA or ECC");
  }
}

}  // namespace kb::broker::internal
