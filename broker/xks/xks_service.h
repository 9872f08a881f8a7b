#pragma once

// The use cases behind the XKS proxy API (api/xks/): AWS KMS, holding the access key of one
// external key store (a principal of role xks-proxy), asks for a key's metadata, to encrypt and
// to decrypt under keybroker's kms keys. The key's material never leaves: KMS gets ciphertext,
// or the plaintext it sent to be encrypted.
//
// Every key operation runs these checks in order, and every call, allowed or not, is one audit
// row (action "xks.<Operation>", actor "xks:<key store>", request id = kmsRequestId, the reasons
// naming kmsOperation and awsPrincipalArn), committed through the release ledger's group commit
// before the answer:
//   1. secondary authorization: an active XKS policy names the key store and the key, and its
//      rules allow this requestMetadata (kPolicyDenied otherwise, whether or not the key exists:
//      a key store learns nothing of keys no policy gives it);
//   2. the key exists (kKeyNotFound) and has purpose kms (kWrongKeyPurpose);
//   3. Encrypt and Decrypt: the key is enabled (kKeyDisabled);
//   4. Decrypt of a key with attestation_required: the allow rule that matched binds a recipient,
//      and the caller proved with the mutual-TLS certificate that it is AWS KMS (kPolicyDenied
//      otherwise). The recipient's measurements are KMS's word, not evidence keybroker verified:
//      they count only from KMS itself, not from whoever learned the key store's SigV4 secret
//      (the admin who created it, for one). Its plaintext then goes only where KMS forwards it,
//      to an enclave with the measurements the rule names.
// GetHealthStatus is exempt from secondary authorization, as the specification requires.

#include <optional>
#include <string>
#include <string_view>

#include "broker/keys/key_manager.h"
#include "broker/policy_gate.h"
#include "broker/release_core.h"
#include "broker/release_decision.h"
#include "broker/xks/xks_cipher.h"
#include "crypto/random.h"

namespace kb::broker {

struct XksCall {
  std::string keystore;  // the authenticated principal
  policy::XksRequestMetadata metadata;
  Time now{};
  // The connection presented the configured mutual-TLS certificate (xks.client_ca): the caller
  // is AWS KMS, not merely a holder of the key store's secret.
  bool caller_is_kms = false;
};

struct XksKeyMetadata {
  bool enabled = true;
};

struct XksEncrypted {
  xks::Sealed sealed;
  std::optional<Sha256Digest> integrity;  // when the caller asked for it
};

class XksService {
 public:
  struct Dependencies {
    KeyManager& keys;
    PolicyGate& policies;
    ReleaseCore& release;  // its ledger: the audit rows, with group commit
    const Random& random;
  };
  explicit XksService(Dependencies deps) : deps_(deps) {}

  Result<XksKeyMetadata> GetKeyMetadata(std::string_view key_id, const XksCall& call);
  // Seals `plaintext`, computes the integrity value over what it returns (when asked) and then
  // opens that output again before returning it, in the specification's order, so that a fault
  // between sealing and answering cannot hand KMS a ciphertext that does not decrypt.
  Result<XksEncrypted> Encrypt(std::string_view key_id, ByteSpan plaintext, ByteSpan aad,
                               bool integrity, const XksCall& call);
  struct Ciphertext {
    ByteSpan ciphertext, iv, tag, aad, metadata;
  };
  Result<SecretBytes> Decrypt(std::string_view key_id, const Ciphertext& input,
                              const XksCall& call);
  // The audit row of a call refused before it reached an operation (its body did not decode):
  // every authenticated call is a row. Fails only when the row cannot be written.
  Status RecordRefusal(std::string_view operation, std::string_view key_id, const XksCall& call,
                       const Error& why);
  // A deep check: the key store is readable and AES-256-GCM works, exercised with a throwaway
  // key, never a customer's. kInternal with the cause otherwise.
  // "sqlite" | "pkcs11": where the keys live, for GetHealthStatus's model.
  std::string_view keystore_kind() const { return deps_.keys.keystore().kind(); }
  Status Health(const XksCall& call);

 private:
  // Steps 1 and 2: the key's record, once the policies allow the call and it is a kms key.
  Result<storage::KeyRecord> Permit(std::string_view key_id, const XksCall& call,
                                    DecisionFacts& facts, XksVerdict* verdict);
  // Permit, then the key's version (`version` 0: the current one) unsealed (step 3).
  Result<KmsKeyVersion> Authorize(std::string_view key_id, uint32_t version, const XksCall& call,
                                  DecisionFacts& facts, XksVerdict* verdict);
  DecisionFacts Facts(std::string_view operation, const XksCall& call) const;
  // The call's audit row, through the release ledger (group commit); kInternal if it cannot be
  // written, and then the call fails.
  Status Record(const DecisionFacts& facts, const XksCall& call, Verdict verdict,
                const std::string& why);
  // `result`, once its audit row is durable (`reason` explains an allow).
  template <typename T>
  Result<T> Audited(const DecisionFacts& facts, const XksCall& call, const std::string& reason,
                    Result<T> result);

  Dependencies deps_;
};

}  // namespace kb::broker
