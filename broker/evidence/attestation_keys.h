#pragma once

// TPM attestation keys (AKs) that an admin registered: quotes are trusted because one of these
// signed them. Keys are added and removed while the server runs (the admin API); readers take a
// snapshot, so a verification in flight keeps the set it started with. Thread-safe.

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace kb::broker {

// How a key was registered. PEM was accepted before it was refused (issue 15): it says nothing
// about the key's attributes, so a PEM key may be an ordinary signing key, with which the host
// can TPM2_Sign a hand-made TPMS_ATTEST. Such keys, already in the database, still verify but
// are reported as unproven (`aks list`, /healthz).
enum class AttestationKeyForm { kTpm2bPublic, kPem };

struct AttestationKey {
  OsslPtr<EVP_PKEY> key;
  Sha256Digest spki_sha256;  // the AK's fingerprint in claims and logs
  AttestationKeyForm form = AttestationKeyForm::kTpm2bPublic;
};

class AttestationKeys {
 public:
  using List = std::vector<std::shared_ptr<const AttestationKey>>;

  // A new registration (admin API, config file, `verify --ak`): only a TPM2B_PUBLIC (as
  // `tpm2_createak -u` writes it) whose objectAttributes show a restricted signing key that never
  // left its TPM (fixedTPM, fixedParent, sensitiveDataOrigin, restricted, sign, not decrypt; see
  // internal/tpm2_public.h). A restricted key only signs digests the TPM computed itself, so it
  // cannot sign a forged TPMS_ATTEST. PEM is refused (kMalformedRequest, saying why).
  static Result<AttestationKey> Parse(ByteSpan tpm2b_public);
  // A key already in the database: a TPM2B_PUBLIC as above, or PEM (registered before PEM was
  // refused; form kPem).
  static Result<AttestationKey> ParseStored(ByteSpan pem_or_tpm2b);
  // Whether `bytes` are PEM text rather than a TPM2B_PUBLIC.
  static bool IsPem(ByteSpan bytes);
  // The error for a PEM key offered for trust: why it is refused and what to register instead.
  static Error PemRefused();

  // Parse, then Insert.
  Status AddTpm2bPublic(ByteSpan tpm2b_public);
  // A PEM public key (RSA >= 2048 bits or EC P-256/P-384) trusted as a legacy, unproven key: for
  // tests and fuzzers of the verifier. Registrations never come here.
  Status AddPem(std::string_view pem);
  // Adds a parsed key unless one with its fingerprint is present.
  void Insert(AttestationKey key);
  // Removes the key with this fingerprint, if present.
  void Remove(const Sha256Digest& spki_sha256);
  std::shared_ptr<const List> Snapshot() const;
  // How many of the trusted keys are PEM (unproven).
  size_t CountPem() const;

 private:
  static Result<AttestationKey> FromKey(OsslPtr<EVP_PKEY> key);
  static Result<AttestationKey> ParsePem(std::string_view pem);

  mutable std::mutex mu_;
  std::shared_ptr<const List> keys_ = std::make_shared<const List>();
};

}  // namespace kb::broker
