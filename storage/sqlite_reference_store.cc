#include "storage/sqlite_reference_store.h"

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

std::string_view ReferenceStatusColumn(policy::ReferenceStatus status) {
  return status == policy::ReferenceStatus::kRevoked ? "revoked" : "active";
}
int64_t ReferenceApprovedColumn(policy::ReferenceStatus status) {
  return status == policy::ReferenceStatus::kActive ? 1 : 0;
}
policy::ReferenceStatus ReferenceStatusFromColumns(const std::string& status, int64_t approved) {
  if (status == "revoked") return policy::ReferenceStatus::kRevoked;
  return approved == 1 ? policy::ReferenceStatus::kActive : policy::ReferenceStatus::kPending;
}

Status SqliteReferenceStore::Add(Tx& tx, const policy::Reference& r) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO reference_measurements (name, platform, source, status, created_at, "
        "created_by, approved) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, r.name)
        .Bind(2, policy::PlatformName(r.platform))
        .Bind(3, r.source)
        .Bind(4, ReferenceStatusColumn(r.status));
    row.Bind(5, r.created_at).Bind(6, r.created_by).Bind(7, ReferenceApprovedColumn(r.status));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert reference");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict, "reference " + r.name + " already exists"};
    }
    for (const auto& [index, value] : r.pcrs) {
      auto pcr =
          db_.Prepare("INSERT INTO reference_pcrs (reference, pcr, value) VALUES (?1, ?2, ?3)");
      if (!pcr) return std::move(pcr).error();
      Statement p(std::move(*pcr));
      p.Bind(1, r.name).Bind(2, int64_t(index)).Bind(3, ByteSpan(value));
      if (p.Step() != SQLITE_DONE) return db_.LastError("insert reference PCR");
    }
    return Ok();
  });
}

Result<std::vector<policy::Reference>> SqliteReferenceStore::Load(
    std::optional<std::string_view> name) {
  auto query = db_.Prepare(
      "SELECT m.name, m.platform, m.source, m.status, m.created_at, m.created_by, p.pcr, "
      "p.value, m.approved FROM reference_measurements m JOIN reference_pcrs p ON p.reference = "
      "m.name "
      "WHERE ?1 IS NULL OR m.name = ?1 ORDER BY m.name, p.pcr");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (name) rows.Bind(1, *name);
  std::vector<policy::Reference> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    if (out.empty() || out.back().name != rows.Text(0)) {
      policy::Reference r;
      r.name = rows.Text(0);
      auto platform = policy::ParsePlatform(rows.Text(1));
      if (!platform) return Error{ErrorCode::kInternal, "reference " + r.name + ": bad platform"};
      r.platform = *platform;
      r.source = rows.Text(2);
      r.status = ReferenceStatusFromColumns(rows.Text(3), rows.Int(8));
      r.created_at = rows.TimeAt(4);
      r.created_by = rows.Text(5);
      out.push_back(std::move(r));
    }
    out.back().pcrs[uint32_t(rows.Int(6))] = rows.Blob(7);
  }
  if (rc != SQLITE_DONE) return db_.LastError("load references");
  return out;
}

Result<policy::Reference> SqliteReferenceStore::Get(std::string_view name) {
  auto lock = db_.lock();
  auto found = Load(name);
  if (!found) return std::move(found).error();
  if (found->empty()) {
    return Error{ErrorCode::kNotFound, "no reference named " + std::string(name)};
  }
  return std::move(found->front());
}

Result<std::vector<policy::Reference>> SqliteReferenceStore::List() {
  auto lock = db_.lock();
  return Load(std::nullopt);
}

Status SqliteReferenceStore::SetStatus(Tx& tx, std::string_view name,
                                       policy::ReferenceStatus status) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto update =
        db_.Prepare("UPDATE reference_measurements SET status = ?2, approved = ?3 WHERE name = ?1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, name)
        .Bind(2, ReferenceStatusColumn(status))
        .Bind(3, ReferenceApprovedColumn(status));
    if (row.Step() != SQLITE_DONE) return db_.LastError("update reference");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound, "no reference named " + std::string(name)};
    }
    if (status != policy::ReferenceStatus::kActive) {
      // Approvals given before a revocation do not count towards a later reinstatement.
      auto clear = db_.Prepare("DELETE FROM approvals WHERE kind = 'reference' AND name = ?1");
      if (!clear) return std::move(clear).error();
      Statement del(std::move(*clear));
      del.Bind(1, name);
      if (del.Step() != SQLITE_DONE) return db_.LastError("clear approvals");
    }
    return Ok();
  });
}

Result<policy::ReferenceMap> SqliteReferenceStore::LoadAll() {
  auto lock = db_.lock();
  auto all = Load(std::nullopt);
  if (!all) return std::move(all).error();
  policy::ReferenceMap map;
  for (auto& r : *all) {
    std::string name = r.name;
    map.emplace(std::move(name), std::move(r));
  }
  return map;
}

}  // namespace kb::storage
