#include "broker/evidence/attestation_keys.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>

#include "broker/evidence/internal/tpm2_public.h"

namespace kb::broker {

Result<AttestationKey> AttestationKeys::ParsePem(std::string_view pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return Error{ErrorCode::kInternal, OsslErrorString("BIO_new_mem_buf")};
  OsslPtr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, "attestation key is not a PEM public key"};
  }
  auto parsed = FromKey(std::move(key));
  if (parsed) parsed->form = AttestationKeyForm::kPem;
  return parsed;
}

bool AttestationKeys::IsPem(ByteSpan bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return text.find("-----BEGIN") != std::string_view::npos;
}

Error AttestationKeys::PemRefused() {
  return Error{ErrorCode::kMalformedRequest,
               "PEM attestation keys are no longer accepted: register the TPM2B_PUBLIC that "
               "`tpm2_createak -u` writes, so the broker can check that the key is a restricted "
               "signing key that never left its TPM"};
}

Result<AttestationKey> AttestationKeys::Parse(ByteSpan tpm2b_public) {
  if (IsPem(tpm2b_public)) return PemRefused();
  auto key = internal::Tpm2bPublicToKey(tpm2b_public);
  if (!key) return std::move(key).error();
  return FromKey(std::move(*key));
}

Result<AttestationKey> AttestationKeys::ParseStored(ByteSpan pem_or_tpm2b) {
  if (!IsPem(pem_or_tpm2b)) return Parse(pem_or_tpm2b);
  return ParsePem(
      std::string_view(reinterpret_cast<const char*>(pem_or_tpm2b.data()), pem_or_tpm2b.size()));
}

Status AttestationKeys::AddTpm2bPublic(ByteSpan tpm2b_public) {
  auto key = Parse(tpm2b_public);
  if (!key) return std::move(key).error();
  Insert(std::move(*key));
  return Ok();
}

Status AttestationKeys::AddPem(std::string_view pem) {
  auto key = ParsePem(pem);
  if (!key) return std::move(key).error();
  Insert(std::move(*key));
  return Ok();
}

void AttestationKeys::Insert(AttestationKey key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : *keys_) {
    if (k->spki_sha256 == key.spki_sha256) return;
  }
  auto next = std::make_shared<List>(*keys_);
  next->push_back(std::make_shared<const AttestationKey>(std::move(key)));
  keys_ = std::move(next);
}

void AttestationKeys::Remove(const Sha256Digest& spki_sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<List>();
  for (const auto& k : *keys_) {
    if (k->spki_sha256 != spki_sha256) next->push_back(k);
  }
  keys_ = std::move(next);
}

std::shared_ptr<const AttestationKeys::List> AttestationKeys::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

size_t AttestationKeys::CountPem() const {
  auto keys = Snapshot();
  return size_t(std::count_if(keys->begin(), keys->end(),
                              [](const auto& k) { return k->form == AttestationKeyForm::kPem; }));
}

Result<AttestationKey> AttestationKeys::FromKey(OsslPtr<EVP_PKEY> key) {
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
  return AttestationKey{std::move(key), fingerprint};
}

}  // namespace kb::broker
