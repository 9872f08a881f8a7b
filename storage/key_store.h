#pragma once

// Keys and their versions, stored only sealed (the broker seals and unseals; storage never sees
// plaintext key material). Each key has one purpose, fixed when it is created:
//   release  handed, wrapped, to attested workloads by /v1/release; never usable through the
//            KMS API (the material is the root of the key's KMS ciphertexts, so a workload
//            holding it could decrypt or forge every one of them)
//   kms      never leaves the broker: it serves the KMS API (Encrypt, Decrypt, GenerateDataKey*)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

enum class KeyPurpose { kRelease, kKms };

// "release" | "kms": the wire and database names.
std::string_view KeyPurposeName(KeyPurpose purpose);
std::optional<KeyPurpose> ParseKeyPurpose(std::string_view name);

struct KeyRecord {
  std::string id;
  std::string origin;  // "generated" | "imported"
  bool enabled = true;
  uint32_t current_version = 1;
  Time created_at{};
  std::string created_by;
  KeyPurpose purpose = KeyPurpose::kRelease;
  // kms keys: plaintext (a data key, a decrypted secret) leaves only wrapped to a Recipient
  // that an active policy naming the key allows. Changed only under the two-person rule.
  bool attestation_required = true;
  bool enable_requested = false;  // disabled, and a request to enable it waits for approvals
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // The key with its version 1. kConflict if the id exists.
  virtual Status Create(Tx& tx, const KeyRecord& key, ByteSpan sealed_v1) = 0;
  // Adds `version` and makes it current. kConflict unless it is current_version + 1 (two
  // concurrent rotations cannot both win); kKeyNotFound if the key does not exist.
  virtual Status AddVersion(Tx& tx, std::string_view id, uint32_t version, ByteSpan sealed,
                            Time now) = 0;
  // Disabling also voids a request to enable the key again, with its approvals.
  virtual Status SetEnabled(Tx& tx, std::string_view id, bool enabled) = 0;
  // Records a request to enable a disabled key, which then waits for approvals (the approval
  // store's "key-enable" kind); approvals of an earlier request are void. kKeyNotFound if absent;
  // kConflict if the key is enabled.
  virtual Status RequestEnable(Tx& tx, std::string_view id) = 0;
  // kKeyNotFound if absent.
  virtual Result<KeyRecord> Get(std::string_view id) = 0;
  virtual Result<Bytes> GetSealed(std::string_view id, uint32_t version) = 0;
  virtual Result<std::vector<KeyRecord>> List() = 0;
};

}  // namespace kb::storage
