#include "broker/evidence/internal/tpm2_public.h"

#include <tss2/tss2_mu.h>

#include <algorithm>

#include "common/public_key_import.h"

namespace kb::broker::internal {
namespace {

Error Invalid(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

Result<OsslPtr<EVP_PKEY>> Imported(OsslPtr<EVP_PKEY> key) {
  if (!key) return Invalid("attestation key parameters are invalid");
  return key;
}

Result<OsslPtr<EVP_PKEY>> RsaKey(const TPMT_PUBLIC& pub) {
  const TPM2B_PUBLIC_KEY_RSA& n = pub.unique.rsa;
  uint32_t e = pub.parameters.rsaDetail.exponent == 0 ? 65537 : pub.parameters.rsaDetail.exponent;
  const uint8_t exponent[] = {uint8_t(e >> 24), uint8_t(e >> 16), uint8_t(e >> 8), uint8_t(e)};
  return Imported(ImportRsaPublicKey(ByteSpan(n.buffer, n.size), exponent));
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
  Bytes encoded(1 + 2 * coordinate);
  encoded[0] = 0x04;  // uncompressed point
  std::copy_n(point.x.buffer, coordinate, encoded.begin() + 1);
  std::copy_n(point.y.buffer, coordinate, encoded.begin() + 1 + long(coordinate));
  return Imported(ImportEcPublicKey(group, encoded));
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
