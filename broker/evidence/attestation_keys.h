#pragma once

// TPM attestation keys (AKs) that an admin registered: quotes are trusted because one of these
// signed them. Immutable after setup; safe to share between threads.

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
  // A PEM public key (as `tpm2_readpublic -f pem` writes it): RSA >= 2048 bits or EC P-256/P-384.
  Status AddPem(std::string_view pem);
  // A TPM2B_PUBLIC (as `tpm2_createak -u` writes it). Better than PEM: its objectAttributes
  // must show a restricted signing key that never left its TPM (fixedTPM, fixedParent,
  // sensitiveDataOrigin, restricted, sign, not decrypt). A restricted key only signs digests the
  // TPM computed itself, so it cannot sign a forged TPMS_ATTEST.
  Status AddTpm2bPublic(ByteSpan tpm2b_public);
  // Either form: PEM text, or TPM2B_PUBLIC bytes.
  Status Add(ByteSpan pem_or_tpm2b);
  const std::vector<AttestationKey>& keys() const { return keys_; }

 private:
  Status AddKey(OsslPtr<EVP_PKEY> key);
  std::vector<AttestationKey> keys_;
};

}  // namespace kb::broker
