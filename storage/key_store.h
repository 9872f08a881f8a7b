#pragma once

// Keys and their versions, stored only sealed (the broker seals and unseals; storage never sees
// plaintext key material).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"

namespace kb::storage {

struct KeyRecord {
  std::string id;
  std::string origin;  // "generated" | "imported"
  bool enabled = true;
  uint32_t current_version = 1;
  Time created_at{};
  std::string created_by;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // The key with its version 1. kConflict if the id exists.
  virtual Status Create(const KeyRecord& key, ByteSpan sealed_v1) = 0;
  // Adds `version` and makes it current. kConflict unless it is current_version + 1 (two
  // concurrent rotations cannot both win); kKeyNotFound if the key does not exist.
  virtual Status AddVersion(std::string_view id, uint32_t version, ByteSpan sealed, Time now) = 0;
  virtual Status SetEnabled(std::string_view id, bool enabled) = 0;
  // kKeyNotFound if absent.
  virtual Result<KeyRecord> Get(std::string_view id) = 0;
  virtual Result<Bytes> GetSealed(std::string_view id, uint32_t version) = 0;
  virtual Result<std::vector<KeyRecord>> List() = 0;
};

}  // namespace kb::storage
