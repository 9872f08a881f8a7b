#include "broker/evidence/internal/tpm2_public.h"

#include <tss2/tss2_mu.h>

#include <algorithm>

#include "crypto/public_key_import.h"

namespace kb::broker::internal {
namespace {

Error Invalid(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

Result<OsslPtr<EVP_PKEY>> Imported(OsslPtr<EVP_PKEY> key) {
  if (!key) return Invalid("attestation key parameters are invalid");
  return key;
}

bool IsHash(TPMI_ALG_HASH alg) {
  return alg == TPM2_ALG_SHA1 || alg == TPM2_ALG_SHA256 || alg == TPM2_ALG_SHA384 ||
         alg == TPM2_ALG_SHA512;
}

// The signing scheme a restricted signing key must name (TPM 2.0 Part 2, TPMS_RSA_PARMS and
// TPMS_ECC_PARMS): never NULL, since the TPM signs its own digests only with the key's scheme.
Status CheckScheme(TPM2_ALG_ID scheme, TPMI_ALG_HASH hash, std::initializer_list<TPM2_ALG_ID> ok) {
  if (std::find(ok.begin(), ok.end(), scheme) == ok.end() || !IsHash(hash)) {
    return Invalid("attestation key must name its signing scheme (RSASSA, RSAPSS or ECDSA)");
  }
  return Ok();
}

Result<OsslPtr<EVP_PKEY>> RsaKey(const TPMT_PUBLIC& pub) {
  const TPMS_RSA_PARMS& params = pub.parameters.rsaDetail;
  if (params.symmetric.algorithm != TPM2_ALG_NULL) {
    return Invalid("a signing key has no symmetric algorithm");
  }
  if (auto s = CheckScheme(params.scheme.scheme, params.scheme.details.anySig.hashAlg,
                           {TPM2_ALG_RSASSA, TPM2_ALG_RSAPSS});
      !s) {
    return std::move(s).error();
  }
  const TPM2B_PUBLIC_KEY_RSA& n = pub.unique.rsa;
  if (params.keyBits < 2048 || n.size * 8u != params.keyBits) {
    return Invalid("RSA attestation key: keyBits must be at least 2048 and match the modulus");
  }
  // 0 means the default, 65537, which is what TPMs make; another exponent (e = 1 makes every
  // signature forgeable) is no attestation key.
  if (params.exponent != 0 && params.exponent != 65537) {
    return Invalid("RSA attestation key: the exponent must be 65537");
  }
  uint32_t e = 65537;
  const uint8_t exponent[] = {uint8_t(e >> 24), uint8_t(e >> 16), uint8_t(e >> 8), uint8_t(e)};
  return Imported(ImportRsaPublicKey(ByteSpan(n.buffer, n.size), exponent));
}

Result<OsslPtr<EVP_PKEY>> EccKey(const TPMT_PUBLIC& pub) {
  const TPMS_ECC_PARMS& params = pub.parameters.eccDetail;
  if (params.symmetric.algorithm != TPM2_ALG_NULL || params.kdf.scheme != TPM2_ALG_NULL) {
    return Invalid("a signing key has no symmetric algorithm and no KDF");
  }
  if (auto s =
          CheckScheme(params.scheme.scheme, params.scheme.details.anySig.hashAlg, {TPM2_ALG_ECDSA});
      !s) {
    return std::move(s).error();
  }
  const char* group = nullptr;
  size_t coordinate = 0;
  if (params.curveID == TPM2_ECC_NIST_P256) {
    group = "prime256v1";
    coordinate = 32;
  } else if (params.curveID == TPM2_ECC_NIST_P384) {
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

// The whole input is one TPM2B_PUBLIC, and its size field counts exactly its content (the TSS
// unmarshaller does not compare the two).
Result<TPMT_PUBLIC> Unmarshal(ByteSpan bytes) {
  TPM2B_PUBLIC pub{};
  size_t offset = 0;
  if (bytes.empty() || bytes.size() > 2048 ||
      Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &pub) !=
          TSS2_RC_SUCCESS ||
      offset != bytes.size() || size_t(pub.size) + 2 != bytes.size()) {
    return Invalid("attestation key is not a TPM2B_PUBLIC");
  }
  return pub.publicArea;
}

}  // namespace

Result<OsslPtr<EVP_PKEY>> Tpm2bPublicToKey(ByteSpan bytes) {
  auto pub = Unmarshal(bytes);
  if (!pub) return std::move(pub).error();
  constexpr TPMA_OBJECT kRequired = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED |
                                    TPMA_OBJECT_SIGN_ENCRYPT;
  TPMA_OBJECT attributes = pub->objectAttributes;
  if ((attributes & kRequired) != kRequired || (attributes & TPMA_OBJECT_DECRYPT) != 0) {
    return Invalid(
        "attestation key must be a restricted signing key fixed to its TPM (objectAttributes "
        "fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, without decrypt)");
  }
  if (!IsHash(pub->nameAlg)) return Invalid("attestation key's nameAlg must be a SHA hash");
  switch (pub->type) {
    case TPM2_ALG_RSA:
      return RsaKey(*pub);
    case TPM2_ALG_ECC:
      return EccKey(*pub);
    default:
      return Invalid("attestation key must be RSA or ECC");
  }
}

}  // namespace kb::broker::internal
