#pragma once

// KEK rotation: everything sealed under the KEK, or keyed by a key derived from it, moved to a
// new KEK in ONE transaction, so that a crash or an error leaves the database as it was (old KEK)
// or fully rotated (new KEK), never half of each:
//   - every key version, access key secret and unspent import token is unsealed with the old KEK
//     and sealed afresh with the new one (storage/sqlite_sealed_values.h);
//   - used or expired import tokens are deleted instead: Take refuses them for ever, and a
//     private key left sealed under the retired KEK would still open with it;
//   - the audit chain, HMAC-keyed under a key derived from the KEK, is verified under the old
//     key and recomputed under the new one (SqliteAuditLog::RekeyChain), then a `kek.rotate` row
//     records the counts and the old head.
// Nothing is written before every value has opened with the old KEK and the chain has verified;
// before COMMIT every value is opened again with the new KEK and the new chain is verified.
// With the database locked for maintenance (secure_delete on) and the WAL checkpointed and
// truncated after COMMIT, no old sealed value is left in the files.
// What is not re-sealed: KMS ciphertexts and released keys depend on the key material, which
// does not change, so they stay valid.

#include <string>

#include "broker/keys/kek.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "storage/database.h"

namespace kb::cli {

struct KekRotation {
  uint64_t key_versions = 0;
  uint64_t access_keys = 0;
  uint64_t import_tokens = 0;          // re-sealed (unused and unexpired)
  uint64_t import_tokens_deleted = 0;  // used or expired
  uint64_t audit_rows = 0;             // rows re-keyed, before the kek.rotate row
  Sha256Digest old_head{};             // the old chain's last MAC, recorded in kek.rotate
  uint64_t rotate_seq = 0;             // the kek.rotate row
};

// Rotates `db` from `old_kek` to `new_kek` as described above; `actor` names the operator in
// the kek.rotate row. With an audit sink set on `db`, every re-keyed row and the kek.rotate row
// go to it. kInternal, with the database unchanged, when the old KEK does not open a value, the
// chain does not verify under it, or the two KEKs are the same. REQUIRES: nothing else writes
// `db` meanwhile (Database::LockExclusively).
Result<KekRotation> RotateKek(storage::Database& db, const broker::Kek& old_kek,
                              const broker::Kek& new_kek, const Random& random, Time now,
                              const std::string& actor);

}  // namespace kb::cli
