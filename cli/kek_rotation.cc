#include "cli/kek_rotation.h"

#include <vector>

#include "broker/keys/seal_names.h"
#include "cli/audit_setup.h"
#include "common/encoding.h"
#include "crypto/ct.h"
#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_sealed_values.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::cli {
namespace {

using storage::SealedKind;
using storage::SealedValue;

// The name and version a value was sealed under (the AAD): what Kek::Seal bound it to.
struct Binding {
  std::string name;
  uint32_t version;
};

Binding BindingOf(const SealedValue& value) {
  switch (value.kind) {
    case SealedKind::kKeyVersion:
      return {value.id, value.version};
    case SealedKind::kAccessKeySecret:
      return {broker::AccessKeySealName(value.id), broker::kAccessKeySealVersion};
    case SealedKind::kImportWrappingKey:
      return {broker::ImportTokenSealName(value.id), broker::kImportTokenSealVersion};
  }
  return {value.id, value.version};
}

std::string Describe(const SealedValue& value) {
  std::string out = std::string(storage::SealedKindName(value.kind)) + " " + value.id;
  if (value.kind == SealedKind::kKeyVersion) out += " version " + std::to_string(value.version);
  return out;
}

// Every value opened with `kek`: the plaintexts, in the order of `values`.
Result<std::vector<SecretBytes>> OpenAll(const std::vector<SealedValue>& values,
                                         const broker::Kek& kek, std::string_view which) {
  std::vector<SecretBytes> plain;
  plain.reserve(values.size());
  for (const SealedValue& value : values) {
    Binding binding = BindingOf(value);
    auto opened = kek.Unseal(binding.name, binding.version, value.sealed);
    if (!opened) {
      return Error{ErrorCode::kInternal,
                   "the " + std::string(which) + " KEK does not open " + Describe(value) +
                       ": it is not the KEK this database is sealed under; nothing was changed"};
    }
    plain.push_back(std::move(*opened));
  }
  return plain;
}

Status CheckDifferent(const broker::Kek& old_kek, const broker::Kek& new_kek) {
  auto a = old_kek.Derive(kAuditKeyInfo);
  auto b = new_kek.Derive(kAuditKeyInfo);
  if (!a) return std::move(a).error();
  if (!b) return std::move(b).error();
  if (CtEqual(a->span(), b->span())) {
    return Error{ErrorCode::kInternal,
                 "the new KEK is the same as the current one: make a new one (head -c 32 "
                 "/dev/urandom > FILE) and run again"};
  }
  return Ok();
}

storage::AuditRecord RotateRecord(const KekRotation& r, Time now, const std::string& actor) {
  storage::AuditRecord row;
  row.time = now;
  row.actor = actor;
  row.action = "kek.rotate";
  row.decision = "ok";
  row.reasons = "re-sealed under a new KEK: " + std::to_string(r.key_versions) +
                " key version(s), " + std::to_string(r.access_keys) + " access key(s), " +
                std::to_string(r.import_tokens) + " import token(s) (" +
                std::to_string(r.import_tokens_deleted) + " used or expired deleted); " +
                std::to_string(r.audit_rows) + " audit row(s) re-keyed, old head " +
                HexEncode(r.old_head);
  return row;
}

uint64_t& CountOf(SealedKind kind, KekRotation& report) {
  switch (kind) {
    case SealedKind::kKeyVersion:
      return report.key_versions;
    case SealedKind::kAccessKeySecret:
      return report.access_keys;
    case SealedKind::kImportWrappingKey:
      return report.import_tokens;
  }
  return report.import_tokens;
}

// Writes the new seals (or deletes spent tokens) and counts them.
Status ResealAll(storage::Tx& tx, storage::SqliteSealedValues& store,
                 std::vector<SealedValue>& values, const std::vector<SecretBytes>& plain,
                 const broker::Kek& new_kek, const Random& random, KekRotation& report) {
  for (size_t i = 0; i < values.size(); ++i) {
    SealedValue& value = values[i];
    if (value.spent) {
      if (auto s = store.DeleteImportToken(tx, value); !s) return s;
      ++report.import_tokens_deleted;
      continue;
    }
    Binding binding = BindingOf(value);
    auto sealed = new_kek.Seal(binding.name, binding.version, plain[i], random);
    if (!sealed) return std::move(sealed).error();
    value.sealed = std::move(*sealed);
    if (auto s = store.Replace(tx, value); !s) return s;
    ++CountOf(value.kind, report);
  }
  return Ok();
}

// Before COMMIT: every value opens with the new KEK and the chain verifies under its key.
Status CheckRotated(storage::Tx& tx, storage::SqliteSealedValues& store,
                    storage::SqliteAuditLog& log, const broker::Kek& new_kek, Time now) {
  auto values = store.List(tx, now);
  if (!values) return std::move(values).error();
  if (auto opened = OpenAll(*values, new_kek, "new"); !opened) return std::move(opened).error();
  auto chain = log.Verify(tx);
  if (!chain) return std::move(chain).error();
  if (!chain->ok) {
    return Error{ErrorCode::kInternal, "the re-keyed audit chain does not verify at seq " +
                                           std::to_string(chain->broken_at) + " (" + chain->reason +
                                           "); nothing was changed"};
  }
  return Ok();
}

}  // namespace

Result<KekRotation> RotateKek(storage::Database& db, const broker::Kek& old_kek,
                              const broker::Kek& new_kek, const Random& random, Time now,
                              const std::string& actor) {
  if (auto s = CheckDifferent(old_kek, new_kek); !s) return std::move(s).error();
  auto old_key = AuditKeyFromKek(old_kek);
  auto new_key = AuditKeyFromKek(new_kek);
  if (!old_key) return std::move(old_key).error();
  if (!new_key) return std::move(new_key).error();
  storage::SqliteAuditLog log(db, std::move(*new_key));
  storage::SqliteSealedValues store(db);
  KekRotation report;
  storage::SqliteUnitOfWork unit_of_work(db);
  auto done = unit_of_work.Run([&](storage::Tx& tx) -> Status {
    auto values = store.List(tx, now);
    if (!values) return std::move(values).error();
    auto plain = OpenAll(*values, old_kek, "current");
    if (!plain) return std::move(plain).error();
    auto old_chain = log.RekeyChain(tx, std::move(*old_key));  // verifies before it writes
    if (!old_chain) return std::move(old_chain).error();
    report.audit_rows = old_chain->rows;
    report.old_head = old_chain->head;
    if (auto s = ResealAll(tx, store, *values, *plain, new_kek, random, report); !s) return s;
    auto seq = log.Append(tx, RotateRecord(report, now, actor));
    if (!seq) return std::move(seq).error();
    report.rotate_seq = *seq;
    return CheckRotated(tx, store, log, new_kek, now);
  });
  if (!done) return std::move(done).error();
  // The WAL still holds the pages that the re-sealing overwrote in the database file's copy.
  if (auto s = db.CheckpointAndTruncateWal(); !s) return std::move(s).error();
  return report;
}

}  // namespace kb::cli
