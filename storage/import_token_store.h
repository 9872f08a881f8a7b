#pragma once

// One-time key-import parameters: a token (stored as its SHA-256) bound to a key id and to an
// RSA wrapping key whose private half is sealed under the KEK. A token is used at most once.

#include <string>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/digest.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

struct ImportToken {
  Sha256Digest token_sha256{};
  std::string key_id;
  Bytes wrapping_key_sealed;
  Time expires_at{};
};

class ImportTokenStore {
 public:
  virtual ~ImportTokenStore() = default;
  // Also deletes tokens that expired before `now`.
  virtual Status Add(Tx& tx, const ImportToken& token, Time now) = 0;
  // Marks the token used and returns it, atomically. kNotFound if it is unknown, used or
  // expired at `now`.
  virtual Result<ImportToken> Take(Tx& tx, const Sha256Digest& token_sha256, Time now) = 0;
};

}  // namespace kb::storage
