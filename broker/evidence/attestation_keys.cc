#include "broker/evidence/attestation_keys.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <cstring>

#include "broker/evidence/internal/tpm2_public.h"

namespace kb::broker {

Status AttestationKeys::AddPem(std::string_view pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return Error{ErrorCode::kInternal, OsslErrorString("BIO_new_mem_buf")};
  OsslPtr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, "attestation key is not a PEM public key"};
  }
  return AddKey(std::move(key));
}

Status AttestationKeys::Add(ByteSpan pem_or_tpm2b) {
  std::string_view text(reinterpret_cast<const char*>(pem_or_tpm2b.data()), pem_or_tpm2b.size());
  if (text.find("-----BEGIN") != std::string_view::npos) return AddPem(text);
  return AddTpm2bPublic(pem_or_tpm2b);
}

Status AttestationKeys::AddTpm2bPublic(ByteSpan bytes) {
  auto key = internal::Tpm2bPublicToKey(bytes);
  if (!key) return std::move(key).error();
  return AddKey(std::move(*key));
}

Status AttestationKeys::AddKey(OsslPtr<EVP_PKEY> key) {
  int type = EVP_PKEY_get_base_id(key.get());
  if (type == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key.get()) < 2048) {
      return Error{ErrorCode::kMalformedRequest, "RSA attestation keys need at least 2048 bits"};
    }
  } else if (type == EVP_PKEY_EC) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1 ||
        (std::strcmp(group, "prime256v1") != 0 && std::strcmp(group, "secp384r1") != 0)) {
      OsslClearErrors();
      return Error{ErrorCode::kMalformedRequest, "EC attestation keys must be P-256 or P-384"};
    }
  } else {
    return Error{ErrorCode::kMalformedRequest, "attestation key must be RSA or EC"};
  }
  auto der = PublicKeyDer(key.get());
  if (!der) return std::move(der).error();
  Sha256Digest fingerprint = Sha256(*der);
  keys_.push_back({std::move(key), fingerprint});
  return Ok();
}

}  // namespace kb::broker
