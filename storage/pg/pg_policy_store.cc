#include "storage/pg/pg_policy_store.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

Error NoSuchVersion(std::string_view name, int version) {
  return Error{ErrorCode::kNotFound,
               "no version " + std::to_string(version) + " of policy " + std::string(name)};
}

// Runs one fixed write statement, binding $1 = name and $2 = version when given.
Status Run(PgConnection& c, std::string_view sql, std::string_view name, std::optional<int> version,
           std::string_view what) {
  PgParams params;
  params.Add(name);
  if (version) params.Add(int64_t(*version));
  auto done = c.Command(sql, params, what);
  if (!done) return std::move(done).error();
  return Ok();
}

// A change of the active version voids every activation request of `name` still waiting.
Status VoidActivationRequests(PgConnection& c, std::string_view name) {
  for (const char* sql : {"DELETE FROM policy_activations WHERE name = $1",
                          "DELETE FROM approvals WHERE kind = 'activation' AND name = $1"}) {
    if (auto s = Run(c, sql, name, std::nullopt, "void activation requests"); !s) return s;
  }
  return Ok();
}

// Complete statements (adjacent literals), each with its own fixed WHERE clause. Names are
// ordered bytewise (COLLATE "C"), as SQLite orders text, whatever the database's locale.
#define KB_SELECT_POLICY_VERSIONS                                    \
  "SELECT v.name, v.version, v.source, v.created_at, v.created_by, " \
  "a.version IS NOT NULL, v.approved FROM policy_versions v "        \
  "LEFT JOIN active_policies a "                                     \
  "ON a.name = v.name AND a.version = v.version WHERE "
constexpr char kSelectOne[] = KB_SELECT_POLICY_VERSIONS "v.name = $1 AND v.version = $2";
constexpr char kSelectVersions[] = KB_SELECT_POLICY_VERSIONS "v.name = $1 ORDER BY v.version";
constexpr char kSelectActive[] =
    KB_SELECT_POLICY_VERSIONS "a.version IS NOT NULL ORDER BY v.name COLLATE \"C\"";
constexpr char kSelectCurrent[] = KB_SELECT_POLICY_VERSIONS
    "a.version IS NOT NULL OR v.version = (SELECT max(w.version) FROM policy_versions w "
    "WHERE w.name = v.name) ORDER BY v.name COLLATE \"C\", v.version";
#undef KB_SELECT_POLICY_VERSIONS

}  // namespace

Result<int> PgPolicyStore::Put(Tx& tx, std::string_view name, std::string_view source,
                               std::string_view created_by, Time now) {
  int put = 0;
  auto done = InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    // The next version number and the insert in one statement. Two replicas cannot both read
    // the same max: the unit of work holds the write lock (PgDatabase::kWriteLock) from BEGIN.
    PgParams row;
    row.Add(name).Add(source).Add(now).Add(created_by);
    auto inserted = c.Exec(
        "INSERT INTO policy_versions (name, version, source, created_at, created_by) "
        "SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM policy_versions WHERE name = $1 "
        "RETURNING version",
        row, "insert policy version");
    if (!inserted) return std::move(inserted).error();
    if (inserted->rows() != 1) {
      return Error{ErrorCode::kInternal, "insert policy version: no version returned"};
    }
    put = int(inserted->Int(0, 0));
    return Ok();
  });
  if (!done) return std::move(done).error();
  return put;
}

Status PgPolicyStore::Activate(Tx& tx, std::string_view name, int version) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams row;
    row.Add(name).Add(int64_t(version));
    auto upserted = c.Command(
        "INSERT INTO active_policies (name, version) SELECT name, version FROM policy_versions "
        "WHERE name = $1 AND version = $2 "
        "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
        row, "activate policy");
    if (!upserted) return std::move(upserted).error();
    if (*upserted == 0) return NoSuchVersion(name, version);
    // As the approval store's activation does: the version counts as approved, and requests to
    // activate others are void.
    if (auto s = Run(c, "UPDATE policy_versions SET approved = 1 WHERE name = $1 AND version = $2",
                     name, version, "activate policy");
        !s) {
      return s;
    }
    return VoidActivationRequests(c, name);
  });
}

Status PgPolicyStore::Deactivate(Tx& tx, std::string_view name) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    if (auto s = Run(c, "DELETE FROM active_policies WHERE name = $1", name, std::nullopt,
                     "deactivate policy");
        !s) {
      return s;
    }
    return VoidActivationRequests(c, name);
  });
}

Status PgPolicyStore::RequestActivation(Tx& tx, std::string_view name, int version,
                                        std::string_view by, Time now) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    if (auto s =
            Run(c, "DELETE FROM approvals WHERE kind = 'activation' AND name = $1 AND version = $2",
                name, version, "clear activation approvals");
        !s) {
      return s;
    }
    PgParams row;
    row.Add(name).Add(int64_t(version)).Add(now).Add(by);
    auto inserted = c.Command(
        "INSERT INTO policy_activations (name, version, requested_at, requested_by) "
        "SELECT name, version, $3, $4 FROM policy_versions WHERE name = $1 AND version = $2 "
        "ON CONFLICT (name, version) DO UPDATE SET requested_at = excluded.requested_at, "
        "requested_by = excluded.requested_by",
        row, "request activation");
    if (!inserted) return std::move(inserted).error();
    if (*inserted == 0) return NoSuchVersion(name, version);
    return Ok();
  });
}

Result<bool> PgPolicyStore::ActivationRequested(std::string_view name, int version) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams key;
  key.Add(name).Add(int64_t(version));
  auto row = (*c)->Exec("SELECT 1 FROM policy_activations WHERE name = $1 AND version = $2", key,
                        "activation request");
  if (!row) return std::move(row).error();
  return row->rows() > 0;
}

Result<std::vector<PolicyVersion>> PgPolicyStore::Query(const char* sql,
                                                        std::optional<std::string_view> name,
                                                        std::optional<int> version) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams params;
  if (name) params.Add(*name);
  if (version) params.Add(int64_t(*version));
  auto rows = (*c)->Exec(sql, params, "query policies");
  if (!rows) return std::move(rows).error();
  std::vector<PolicyVersion> out;
  for (int i = 0; i < rows->rows(); ++i) {
    out.push_back({rows->Text(i, 0), int(rows->Int(i, 1)), rows->Text(i, 2), rows->TimeAt(i, 3),
                   rows->Text(i, 4), rows->Int(i, 5) != 0, rows->Int(i, 6) != 0});
  }
  return out;
}

Result<PolicyVersion> PgPolicyStore::Get(std::string_view name, int version) {
  auto found = Query(kSelectOne, name, version);
  if (!found) return std::move(found).error();
  if (found->empty()) return NoSuchVersion(name, version);
  return std::move(found->front());
}

Result<std::vector<PolicyVersion>> PgPolicyStore::Versions(std::string_view name) {
  return Query(kSelectVersions, name, std::nullopt);
}

Result<std::vector<PolicyVersion>> PgPolicyStore::ListCurrent() {
  return Query(kSelectCurrent, std::nullopt, std::nullopt);
}

Result<std::vector<PolicyVersion>> PgPolicyStore::ListActive() {
  return Query(kSelectActive, std::nullopt, std::nullopt);
}

}  // namespace kb::storage
