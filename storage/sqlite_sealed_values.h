#pragma once

// Every value in the database that is sealed under the KEK, for `keybroker kek rotate`, which
// re-seals them all under a new KEK in one transaction. Storage never seals or unseals: it lists
// the sealed blobs with the row each belongs to, and replaces them. The sealed values are
//   key versions        key_versions.sealed     (every version of every key, both purposes)
//   access key secrets  access_keys.secret      (revoked and unapproved ones too)
//   import tokens       import_tokens.wrapping_key, the private half of the RSA wrapping key
// The audit chain's key is derived from the KEK too; SqliteAuditLog::RekeyChain re-keys it.

#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/database.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

enum class SealedKind { kKeyVersion, kAccessKeySecret, kImportWrappingKey };

// "key version", "access key secret", "import token": for messages.
std::string_view SealedKindName(SealedKind kind);

struct SealedValue {
  SealedKind kind = SealedKind::kKeyVersion;
  // The row: the key id, the access key id, or the import token's SHA-256 in lowercase hex.
  std::string id;
  uint32_t version = 0;  // key versions: the version; 0 otherwise
  Bytes sealed;
  // Import tokens used, or expired at the `now` given to List: Take refuses them for ever, so
  // their private halves are deleted rather than re-sealed.
  bool spent = false;
};

class SqliteSealedValues {
 public:
  // REQUIRES: `db` outlives this.
  explicit SqliteSealedValues(Database& db) : db_(db) {}

  // Every sealed value, read inside `tx` (one consistent view with the writes that follow).
  Result<std::vector<SealedValue>> List(Tx& tx, Time now);
  // Replaces the sealed blob of `value`'s row with `value.sealed`. kNotFound unless exactly one
  // row matched.
  Status Replace(Tx& tx, const SealedValue& value);
  // Deletes the import token of `value` (kImportWrappingKey). kNotFound unless one row matched.
  Status DeleteImportToken(Tx& tx, const SealedValue& value);

 private:
  Status ListKeyVersions(std::vector<SealedValue>& out);
  Status ListAccessKeys(std::vector<SealedValue>& out);
  Status ListImportTokens(std::vector<SealedValue>& out, Time now);
  Status ExpectOneChange(std::string_view what, const SealedValue& value);

  Database& db_;
};

}  // namespace kb::storage
