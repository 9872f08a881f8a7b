#include "storage/sqlite_policy_store.h"

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

Result<int> SqlitePolicyStore::Put(Tx& tx, std::string_view name, std::string_view source,
                                   std::string_view created_by, Time now) {
  int put = 0;
  auto done = InSavepoint(tx, db_, [&]() -> Status {
    // The next version number and the insert in one statement, inside the write lock.
    auto insert = db_.Prepare(
        "INSERT INTO policy_versions (name, version, source, created_at, created_by) "
        "SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4 FROM policy_versions WHERE name = ?1 "
        "RETURNING version");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, name).Bind(2, source).Bind(3, now).Bind(4, created_by);
    if (row.Step() != SQLITE_ROW) return db_.LastError("insert policy version");
    int version = int(row.Int(0));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert policy version");
    put = version;
    return Ok();
  });
  if (!done) return std::move(done).error();
  return put;
}

Status SqlitePolicyStore::Activate(Tx& tx, std::string_view name, int version) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto upsert = db_.Prepare(
        "INSERT INTO active_policies (name, version) SELECT name, version FROM policy_versions "
        "WHERE name = ?1 AND version = ?2 "
        "ON CONFLICT (name) DO UPDATE SET version = excluded.version");
    if (!upsert) return std::move(upsert).error();
    Statement row(std::move(*upsert));
    row.Bind(1, name).Bind(2, int64_t(version));
    if (row.Step() != SQLITE_DONE) return db_.LastError("activate policy");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound,
                   "no version " + std::to_string(version) + " of policy " + std::string(name)};
    }
    // As the approval store's activation does: the version counts as approved, and requests to
    // activate others are void.
    if (auto s = Run("UPDATE policy_versions SET approved = 1 WHERE name = ?1 AND version = ?2",
                     name, version, "activate policy");
        !s) {
      return s;
    }
    if (auto s = VoidActivationRequests(name); !s) return s;
    return Ok();
  });
}

Status SqlitePolicyStore::Run(std::string_view sql, std::string_view name,
                              std::optional<int> version, std::string_view what) {
  auto statement = db_.Prepare(sql);
  if (!statement) return std::move(statement).error();
  Statement row(std::move(*statement));
  row.Bind(1, name);
  if (version) row.Bind(2, int64_t(*version));
  if (row.Step() != SQLITE_DONE) return db_.LastError(std::string(what));
  return Ok();
}

Status SqlitePolicyStore::Deactivate(Tx& tx, std::string_view name) {
  return InSavepoint(tx, db_, [&]() -> Status {
    if (auto s = Run("DELETE FROM active_policies WHERE name = ?1", name, std::nullopt,
                     "deactivate policy");
        !s) {
      return s;
    }
    if (auto s = VoidActivationRequests(name); !s) return s;
    return Ok();
  });
}

Status SqlitePolicyStore::VoidActivationRequests(std::string_view name) {
  for (const char* sql : {"DELETE FROM policy_activations WHERE name = ?1",
                          "DELETE FROM approvals WHERE kind = 'activation' AND name = ?1"}) {
    if (auto s = Run(sql, name, std::nullopt, "void activation requests"); !s) return s;
  }
  return Ok();
}

Status SqlitePolicyStore::RequestActivation(Tx& tx, std::string_view name, int version,
                                            std::string_view by, Time now) {
  return InSavepoint(tx, db_, [&]() -> Status {
    if (auto s =
            Run("DELETE FROM approvals WHERE kind = 'activation' AND name = ?1 AND version = ?2",
                name, version, "clear activation approvals");
        !s) {
      return s;
    }
    auto insert = db_.Prepare(
        "INSERT INTO policy_activations (name, version, requested_at, requested_by) "
        "SELECT name, version, ?3, ?4 FROM policy_versions WHERE name = ?1 AND version = ?2 "
        "ON CONFLICT (name, version) DO UPDATE SET requested_at = excluded.requested_at, "
        "requested_by = excluded.requested_by");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, name).Bind(2, int64_t(version)).Bind(3, now).Bind(4, by);
    if (row.Step() != SQLITE_DONE) return db_.LastError("request activation");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound,
                   "no version " + std::to_string(version) + " of policy " + std::string(name)};
    }
    return Ok();
  });
}

Result<bool> SqlitePolicyStore::ActivationRequested(std::string_view name, int version) {
  auto lock = db_.lock();
  auto query = db_.Prepare("SELECT 1 FROM policy_activations WHERE name = ?1 AND version = ?2");
  if (!query) return std::move(query).error();
  Statement row(std::move(*query));
  row.Bind(1, name).Bind(2, int64_t(version));
  int rc = row.Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.LastError("activation request");
  return rc == SQLITE_ROW;
}

// Complete statements (adjacent literals), each with its own fixed WHERE clause.
#define KB_SELECT_POLICY_VERSIONS                                    \
  "SELECT v.name, v.version, v.source, v.created_at, v.created_by, " \
  "a.version IS NOT NULL, v.approved FROM policy_versions v "        \
  "LEFT JOIN active_policies a "                                     \
  "ON a.name = v.name AND a.version = v.version WHERE "
constexpr char kSelectOne[] = KB_SELECT_POLICY_VERSIONS "v.name = ?1 AND v.version = ?2";
constexpr char kSelectVersions[] = KB_SELECT_POLICY_VERSIONS "v.name = ?1 ORDER BY v.version";
constexpr char kSelectActive[] = KB_SELECT_POLICY_VERSIONS "a.version IS NOT NULL ORDER BY v.name";
constexpr char kSelectCurrent[] = KB_SELECT_POLICY_VERSIONS
    "a.version IS NOT NULL OR v.version = (SELECT max(w.version) FROM policy_versions w "
    "WHERE w.name = v.name) ORDER BY v.name, v.version";
#undef KB_SELECT_POLICY_VERSIONS

Result<std::vector<PolicyVersion>> SqlitePolicyStore::Query(const char* sql,
                                                            std::optional<std::string_view> name,
                                                            std::optional<int> version) {
  auto query = db_.Prepare(sql);
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (name) rows.Bind(1, *name);
  if (version) rows.Bind(2, int64_t(*version));
  std::vector<PolicyVersion> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({rows.Text(0), int(rows.Int(1)), rows.Text(2), rows.TimeAt(3), rows.Text(4),
                   rows.Int(5) != 0, rows.Int(6) != 0});
  }
  if (rc != SQLITE_DONE) return db_.LastError("query policies");
  return out;
}

Result<PolicyVersion> SqlitePolicyStore::Get(std::string_view name, int version) {
  auto lock = db_.lock();
  auto found = Query(kSelectOne, name, version);
  if (!found) return std::move(found).error();
  if (found->empty()) {
    return Error{ErrorCode::kNotFound,
                 "no version " + std::to_string(version) + " of policy " + std::string(name)};
  }
  return std::move(found->front());
}

Result<std::vector<PolicyVersion>> SqlitePolicyStore::Versions(std::string_view name) {
  auto lock = db_.lock();
  return Query(kSelectVersions, name, std::nullopt);
}

Result<std::vector<PolicyVersion>> SqlitePolicyStore::ListCurrent() {
  auto lock = db_.lock();
  return Query(kSelectCurrent, std::nullopt, std::nullopt);
}

Result<std::vector<PolicyVersion>> SqlitePolicyStore::ListActive() {
  auto lock = db_.lock();
  return Query(kSelectActive, std::nullopt, std::nullopt);
}

}  // namespace kb::storage
