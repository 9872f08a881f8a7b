#include "storage/pg/pg_reference_store.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

Error NoSuchReference(std::string_view name) {
  return Error{ErrorCode::kNotFound, "no reference named " + std::string(name)};
}

// Complete statements (adjacent literals). Names are ordered bytewise (COLLATE "C"), as SQLite
// orders text, whatever the database's locale.
#define KB_SELECT_REFERENCES                                                                \
  "SELECT m.name, m.platform, m.source, m.status, m.created_at, m.created_by, p.pcr, "      \
  "p.value, m.approved FROM reference_measurements m JOIN reference_pcrs p ON p.reference " \
  "= m.name "
constexpr char kSelectReference[] = KB_SELECT_REFERENCES "WHERE m.name = $1 ORDER BY p.pcr";
constexpr char kSelectAllReferences[] = KB_SELECT_REFERENCES "ORDER BY m.name COLLATE \"C\", p.pcr";
#undef KB_SELECT_REFERENCES

}  // namespace

Status PgReferenceStore::Add(Tx& tx, const policy::Reference& r) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams row;
    row.Add(r.name).Add(policy::PlatformName(r.platform)).Add(r.source);
    row.Add(ReferenceStatusColumn(r.status)).Add(r.created_at).Add(r.created_by);
    row.Add(ReferenceApprovedColumn(r.status));
    auto inserted = c.Command(
        "INSERT INTO reference_measurements (name, platform, source, status, created_at, "
        "created_by, approved) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING",
        row, "insert reference");
    if (!inserted) return std::move(inserted).error();
    if (*inserted == 0) {
      return Error{ErrorCode::kConflict, "reference " + r.name + " already exists"};
    }
    for (const auto& [index, value] : r.pcrs) {
      PgParams pcr;
      pcr.Add(r.name).Add(int64_t(index)).Add(ByteSpan(value));
      auto added =
          c.Command("INSERT INTO reference_pcrs (reference, pcr, value) VALUES ($1, $2, $3)", pcr,
                    "insert reference PCR");
      if (!added) return std::move(added).error();
    }
    return Ok();
  });
}

Result<std::vector<policy::Reference>> PgReferenceStore::Load(
    std::optional<std::string_view> name) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams params;
  if (name) params.Add(*name);
  auto rows = (*c)->Exec(name ? kSelectReference : kSelectAllReferences, params, "load references");
  if (!rows) return std::move(rows).error();
  std::vector<policy::Reference> out;
  for (int i = 0; i < rows->rows(); ++i) {
    if (out.empty() || out.back().name != rows->Text(i, 0)) {
      policy::Reference r;
      r.name = rows->Text(i, 0);
      auto platform = policy::ParsePlatform(rows->Text(i, 1));
      if (!platform) return Error{ErrorCode::kInternal, "reference " + r.name + ": bad platform"};
      r.platform = *platform;
      r.source = rows->Text(i, 2);
      r.status = ReferenceStatusFromColumns(rows->Text(i, 3), rows->Int(i, 8));
      r.created_at = rows->TimeAt(i, 4);
      r.created_by = rows->Text(i, 5);
      out.push_back(std::move(r));
    }
    out.back().pcrs[uint32_t(rows->Int(i, 6))] = rows->Blob(i, 7);
  }
  return out;
}

Result<policy::Reference> PgReferenceStore::Get(std::string_view name) {
  auto found = Load(name);
  if (!found) return std::move(found).error();
  if (found->empty()) return NoSuchReference(name);
  return std::move(found->front());
}

Result<std::vector<policy::Reference>> PgReferenceStore::List() { return Load(std::nullopt); }

Status PgReferenceStore::SetStatus(Tx& tx, std::string_view name, policy::ReferenceStatus status) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams row;
    row.Add(name).Add(ReferenceStatusColumn(status)).Add(ReferenceApprovedColumn(status));
    auto updated =
        c.Command("UPDATE reference_measurements SET status = $2, approved = $3 WHERE name = $1",
                  row, "update reference");
    if (!updated) return std::move(updated).error();
    if (*updated == 0) return NoSuchReference(name);
    if (status != policy::ReferenceStatus::kActive) {
      // Approvals given before a revocation do not count towards a later reinstatement.
      PgParams reference;
      reference.Add(name);
      auto cleared = c.Command("DELETE FROM approvals WHERE kind = 'reference' AND name = $1",
                               reference, "clear approvals");
      if (!cleared) return std::move(cleared).error();
    }
    return Ok();
  });
}

Result<policy::ReferenceMap> PgReferenceStore::LoadAll() {
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
