#include "broker/admin/access_keys.h"

#include <array>

#include "broker/admin/internal/admin_audit.h"
#include "broker/keys/seal_names.h"
#include "common/encoding.h"

namespace kb::broker {
namespace {

Result<std::string> RandomBase32(const Random& random, size_t chars) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  SecretBytes bytes(chars);
  if (auto s = random.Fill(bytes.mutable_span()); !s) return std::move(s).error();
  std::string out;
  for (uint8_t b : bytes.span()) out += kAlphabet[b & 31];
  return out;
}

}  // namespace

Result<IssuedAccessKey> AccessKeys::Issue(storage::Tx& tx, std::string_view principal,
                                          std::string_view actor, Time now, bool approved) {
  auto id = RandomBase32(random_, 16);
  if (!id) return std::move(id).error();
  // 256 bits → 44 base64 characters: an AWS SDK takes any length, and AWS KMS takes an external
  // key store's secret only with 43–64 characters and 256 bits of entropy (the XKS spec).
  SecretBytes raw(32);
  if (auto s = random_.Fill(raw.mutable_span()); !s) return std::move(s).error();
  IssuedAccessKey issued{"KBAK" + *id, Base64Encode(raw.span())};
  auto sealed = kek_.Seal(AccessKeySealName(issued.id), kAccessKeySealVersion,
                          SecretBytes(AsBytes(issued.secret)), random_);
  if (!sealed) return std::move(sealed).error();
  storage::AccessKeyRecord record{issued.id, std::string(principal), std::move(*sealed), now, {},
                                  approved};
  auto added = store_.Add(
      tx, record,
      internal::AdminAudit("access-key.create", actor, now,
                           "access key " + issued.id + " for " + std::string(principal)));
  if (!added) return std::move(added).error();
  return issued;
}

Status AccessKeys::Revoke(std::string_view id, std::string_view actor, Time now) {
  return unit_of_work_.Run([&](storage::Tx& tx) {
    return store_.Revoke(
        tx, id, now,
        internal::AdminAudit("access-key.revoke", actor, now, "access key " + std::string(id)));
  });
}

Result<IssuedAccessKey> AccessKeys::Issue(std::string_view principal, std::string_view actor,
                                          Time now, bool approved) {
  IssuedAccessKey issued;
  auto done = unit_of_work_.Run([&](storage::Tx& tx) -> Status {
    auto key = Issue(tx, principal, actor, now, approved);
    if (!key) return std::move(key).error();
    issued = std::move(*key);
    return Ok();
  });
  if (!done) return std::move(done).error();
  return issued;
}

Result<AccessKeyOwner> AccessKeys::Lookup(std::string_view id) {
  auto unknown = [] {
    return Error{ErrorCode::kUnauthorized, "the access key id is unknown or revoked"};
  };
  auto record = store_.Get(id);
  if (!record && record.error().code != ErrorCode::kNotFound) return std::move(record).error();
  if (!record || !record->approved || record->revoked_at) return unknown();
  auto principal = principals_.LoadPrincipal(record->principal);
  if (!principal) return unknown();
  // A KEK that cannot unseal (a token gone) is the broker's failure, not the caller's.
  auto secret = kek_.Unseal(AccessKeySealName(id), kAccessKeySealVersion, record->secret_sealed);
  if (!secret) return std::move(secret).error();
  return AccessKeyOwner{std::move(*principal), std::move(*secret)};
}

}  // namespace kb::broker
