#pragma once

// TPM attestation keys (AKs) that an admin registered: quotes are trusted because one of these
// signed them. Keys are added and removed while the server runs (the admin API); readers take a
// snapshot, so a verification in flight keeps the set it started with. Thread-safe.

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/ossl.h"
#include "common/result.h"

namespace kb::broker {

struct AttestationKey {
  OsslPtr<EVP_PKEY> key;
  Sha256Digest spki_sha256;  // the AK's fingerprint in claims and logs
};

class AttestationKeys {
 public:
  using List = std::vector<std::shared_ptr<const AttestationKey>>;

  // Parses and checks one key in either form below, without adding it.
  static Result<AttestationKey> Parse(ByteSpan pem_or_tpm2b);

  // A PEM public key (as `tpm2_readpublic -f pem` writes it): RSA >= 2048 bits or EC P-256/P-384.
  Status AddPem(std::string_view pem);
  // A TPM2B_PUBLIC (as `tpm2_createak -u` writes it). Better than PEM: its objectAttributes
  // must show a restricted signing key that never left its TPM (fixedTPM, fixedParent,
  // sensitiveDataOrigin, restricted, sign, not decrypt). A restricted key only signs digests the
  // TPM computed itself, so it cannot sign a forged TPMS_ATTEST.
  Status AddTpm2bPublic(ByteSpan tpm2b_public);
  // Either form: PEM text, or TPM2B_PUBLIC bytes.
  Status Add(ByteSpan pem_or_tpm2b);
  // Adds a parsed key unless one with its fingerprint is present.
  void Insert(AttestationKey key);
  // Removes the key with this fingerprint, if present.
  void Remove(const Sha256Digest& spki_sha256);
  std::shared_ptr<const List> Snapshot() const;

 private:
  static Result<AttestationKey> FromKey(OsslPtr<EVP_PKEY> key);
  static Result<AttestationKey> ParsePem(std::string_view pem);

  mutable std::mutex mu_;
  std::shared_ptr<const List> keys_ = std::make_shared<const List>();
};

}  // namespace kb::broker
