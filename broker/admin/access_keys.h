#pragma once

// KMS access keys: AWS-style credentials (an access key id and a 40-character secret) that a
// principal's KMS clients sign requests with (SigV4). The secret is returned once, at creation;
// the broker keeps it sealed under the KEK, bound to the key id, because verifying a signature
// needs it. Revocation is immediate; a disabled principal's keys stop working with it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/admin/authenticator.h"
#include "broker/keys/kek.h"
#include "crypto/random.h"
#include "storage/access_key_store.h"
#include "storage/unit_of_work.h"

namespace kb::broker {

struct IssuedAccessKey {
  std::string id;      // "KBAK" + 16 base32 characters
  std::string secret;  // shown to the caller once
};

struct AccessKeyOwner {
  Principal principal;
  SecretBytes secret;
};

class AccessKeys {
 public:
  // REQUIRES: every reference outlives this object; `unit_of_work` is over the store's database.
  AccessKeys(storage::AccessKeyStore& store, storage::UnitOfWork& unit_of_work,
             Authenticator& principals, const Kek& kek, const Random& random)
      : store_(store),
        unit_of_work_(unit_of_work),
        principals_(principals),
        kek_(kek),
        random_(random) {}

  // kNotFound if there is no such principal. An unapproved key signs nothing until approved.
  // Committed with its audit row in `tx`, or in a transaction of its own.
  Result<IssuedAccessKey> Issue(storage::Tx& tx, std::string_view principal, std::string_view actor,
                                Time now, bool approved);
  Result<IssuedAccessKey> Issue(std::string_view principal, std::string_view actor, Time now,
                                bool approved);
  Status Revoke(std::string_view id, std::string_view actor, Time now);
  Result<std::vector<storage::AccessKeyRecord>> List() { return store_.List(); }

  // The owner and secret of an approved, active key of an enabled, approved principal;
  // kUnauthorized otherwise (unknown, unapproved, revoked, disabled principal); kInternal if the
  // store cannot be read or the secret does not unseal (a tampered row, a PKCS#11 token gone).
  Result<AccessKeyOwner> Lookup(std::string_view id);

 private:
  storage::AccessKeyStore& store_;
  storage::UnitOfWork& unit_of_work_;
  Authenticator& principals_;
  const Kek& kek_;
  const Random& random_;
};

}  // namespace kb::broker
