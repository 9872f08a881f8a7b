#pragma once

// The KMS use cases behind keybroker's KMS-compatible API (api/kms/): the operations an enclave
// application calls on AWS KMS, over keybroker's keys of purpose kms (storage/key_store.h).
// Checks, in this order, before anything about a key is read:
//   1. the caller holds an active grant for the operation on the key (kForbidden otherwise,
//      whether or not the key exists: AccessDeniedException);
//   2. the key's purpose is kms (kWrongKeyPurpose otherwise: a release key's material is held
//      by the workloads it was released to, and must not be the root of KMS ciphertexts).
// With a Recipient (an attestation document), the document is verified and the key's active
// release policies decide, exactly as for /v1/release; the secret then leaves only as CMS
// EnvelopedData to the document's public key (CiphertextForRecipient), never as plaintext.
// Without one, a key with attestation_required (the default, fixed at creation and changed only
// under the two-person rule) yields no plaintext at all: with no active policy allowing a
// Recipient, it is released to nobody. A policy's require_attestation has no effect here. Encrypt
// and GenerateDataKeyWithoutPlaintext return no plaintext and need a grant only. A Recipient goes
// through the same release core as /v1/release (broker/release_core.h): it must be fresh
// (Freshness::kRecipient: a TPM quote only with a nonce from POST /v1/challenge, a Nitro document
// only when recently signed), the key's policies must give a permit, and a nonce it carries is
// consumed in the transaction of the call's audit row. Every call, allowed or denied, is an audit
// row (action "kms.<Operation>").

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/keys/key_manager.h"
#include "broker/keys/key_wrapper.h"
#include "broker/kms/ciphertext_blob.h"
#include "broker/release_core.h"
#include "broker/release_decision.h"
#include "storage/audit_log.h"
#include "storage/key_store.h"
#include "storage/kms_grant_store.h"

namespace kb::broker {

struct KmsLocation {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

struct KmsCall {
  std::string principal;
  std::string request_id;
  Time now{};
};

struct KmsKey {
  std::string id;
  std::string arn;
  bool enabled = true;
  Time created_at{};
  std::string origin;  // "generated" | "imported"
};

// A secret as the caller receives it: in the clear, or wrapped to an attested recipient.
struct Delivered {
  std::optional<SecretBytes> plaintext;
  std::optional<Bytes> ciphertext_for_recipient;
};

struct KmsCiphertext {
  std::string key_arn;
  Bytes blob;
};

struct KmsDecrypted {
  std::string key_arn;
  Delivered secret;
};

struct KmsDataKey {
  std::string key_arn;
  Bytes blob;
  std::optional<Delivered> secret;  // absent for GenerateDataKeyWithoutPlaintext
};

class KmsService {
 public:
  struct Dependencies {
    storage::KeyStore& keys;
    storage::KmsGrantStore& grants;
    KeyManager& manager;
    ReleaseCore& release;       // Recipients; audit rows, with the Recipient nonces they consume
    const KeyWrapper& wrapper;  // GenerateRandom's Recipient only: random bytes of no key
    const Random& random;
    KmsLocation location;
  };
  explicit KmsService(Dependencies deps) : deps_(std::move(deps)) {}

  const KmsLocation& location() const { return deps_.location; }

  // A key named as KMS clients write it: "NAME", "alias/NAME", or the key or alias ARN of this
  // broker's region and account. kKeyNotFound otherwise.
  Result<std::string> ResolveKeyId(std::string_view reference) const;
  std::string KeyArn(std::string_view key_id) const;
  std::string AliasArn(std::string_view key_id) const;  // of alias/<key_id>

  Result<KmsKey> Describe(std::string_view reference, const KmsCall& call);
  // The kms keys `call.principal` holds an active grant on.
  Result<std::vector<KmsKey>> List(const KmsCall& call);
  Result<KmsCiphertext> Encrypt(std::string_view reference, ByteSpan plaintext,
                                const EncryptionContext& context, const KmsCall& call);
  // `reference`, when given, must name the blob's key (kIncorrectKey otherwise).
  Result<KmsDecrypted> Decrypt(ByteSpan blob, std::optional<std::string_view> reference,
                               const EncryptionContext& context,
                               const std::optional<Bytes>& recipient, const KmsCall& call);
  // `bytes` of a fresh data key, sealed in a blob; with `deliver`, also handed to the caller.
  Result<KmsDataKey> GenerateDataKey(std::string_view reference, size_t bytes,
                                     const EncryptionContext& context, bool deliver,
                                     const std::optional<Bytes>& recipient, const KmsCall& call);
  Result<Delivered> GenerateRandom(size_t bytes, const std::optional<Bytes>& recipient,
                                   const KmsCall& call);

 private:
  // kForbidden unless an active grant gives the caller `operation` on `key_id`.
  Status CheckGrant(const KmsCall& call, const std::string& key_id, std::string_view operation);
  // `key` is null for GenerateRandom (no key, no policy).
  // A kms key's version (0: the current one) for its ciphertext blobs; kWrongKeyPurpose for a
  // release key, before anything is unsealed.
  Result<KmsKeyVersion> BlobKey(std::string_view id, uint32_t version);
  Result<Delivered> Deliver(const KmsKeyVersion* key, SecretBytes secret,
                            const std::optional<Bytes>& recipient, Time now, DecisionFacts& facts);
  // Records the call with the outcome of `result` (its audit row, consuming its Recipient's
  // nonce, if any, in the same transaction); a nonce no longer usable, or an audit failure,
  // fails the call.
  Result<Bytes> SealRandom(const EvidenceClaims& claims, const SecretBytes& random);
  template <typename T>
  Result<T> Audited(const DecisionFacts& facts, Result<T> result);
  DecisionFacts Facts(std::string_view operation, const KmsCall& call) const;

  Dependencies deps_;
};

}  // namespace kb::broker
