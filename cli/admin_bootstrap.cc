#include "cli/admin_bootstrap.h"

#include <boost/json.hpp>
#include <iostream>
#include <set>

#include "broker/admin/authenticator.h"
#include "cli/audit_setup.h"
#include "cli/cli_io.h"
#include "cli/kek_file.h"
#include "cli/options.h"
#include "common/duration.h"
#include "crypto/random.h"
#include "storage/audited_change.h"
#include "storage/pg/pg_principal_store.h"
#include "storage/pg/pg_unit_of_work.h"
#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_principal_store.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::cli {
namespace {

struct Ceremony {
  std::vector<std::string> admins;
  broker::RoleSet roles = 0;
  // One operator sees every token of the ceremony: they expire, and each admin replaces theirs
  // with one of its own (`admin tokens create <self>`), which nobody else has seen.
  std::optional<std::chrono::seconds> ttl = std::chrono::hours(24);
};

Result<Ceremony> ParseCeremony(const boost::program_options::variables_map& vm) {
  Ceremony c;
  c.admins = SplitList(vm.count("admins") ? vm["admins"].as<std::string>() : "admin");
  std::set<std::string> distinct(c.admins.begin(), c.admins.end());
  if (c.admins.empty() || distinct.size() != c.admins.size()) {
    return Error{ErrorCode::kMalformedRequest, "--admins names distinct principals, e.g. ann,bo"};
  }
  std::string unknown;
  auto roles = broker::ParseRoles(
      SplitList(vm.count("roles") ? vm["roles"].as<std::string>() : "admin"), &unknown);
  if (!roles) {
    return Error{ErrorCode::kMalformedRequest, "unknown role " + unknown + "; the roles are " +
                                                   broker::JoinRoleNames(broker::kAllRoles)};
  }
  c.roles = *roles;
  if (vm.count("ttl")) {
    c.ttl = ParseDuration(vm["ttl"].as<std::string>());
    if (!c.ttl) return Error{ErrorCode::kMalformedRequest, "--ttl must be a duration such as 24h"};
  }
  return c;
}

// One database of either backend, with its audit log. With --kek, the keyed chain (converted
// first if still plain SHA-256); without, only a chain that is not keyed yet can take the rows
// (a keyed one answers that the KEK is needed).
struct BootstrapStorage {
  std::unique_ptr<storage::Database> sqlite;
  std::unique_ptr<storage::PgDatabase> pg;
  std::unique_ptr<storage::AuditLog> audit;
  std::unique_ptr<storage::PrincipalStore> principals;
  std::unique_ptr<storage::UnitOfWork> unit_of_work;
};

template <typename Db, typename Log, typename Principals, typename Unit>
Status OpenStores(const boost::program_options::variables_map& vm, Db& db, Time now,
                  BootstrapStorage& out) {
  std::unique_ptr<Log> log;
  if (vm.count("kek")) {
    auto kek = LoadKekFile(vm["kek"].as<std::string>());
    if (!kek) return std::move(kek).error();
    auto keyed = OpenKeyedAuditLog(db, *kek, nullptr, now);
    if (!keyed) return std::move(keyed).error();
    log = std::move(*keyed);
  } else {
    log = std::make_unique<Log>(db);
  }
  out.principals = std::make_unique<Principals>(db, *log);
  out.unit_of_work = std::make_unique<Unit>(db);
  out.audit = std::move(log);
  return Ok();
}

// `--db` is a SQLite file or a postgresql:// URL (the password from libpq's PGPASSWORD or
// PGPASSFILE: this command runs once, by hand).
Status OpenBootstrapStorage(const boost::program_options::variables_map& vm, Time now,
                            BootstrapStorage& out) {
  const std::string& db = vm["db"].as<std::string>();
  if (storage::IsPostgresUrl(db)) {
    if (!vm.count("kek")) {  // a PostgreSQL chain is keyed from its first row (PgAuditLog)
      return Error{ErrorCode::kMalformedRequest,
                   "--kek FILE is needed with a PostgreSQL database: its audit chain is keyed "
                   "from the first row"};
    }
    if (auto s = storage::CheckPostgresUrl(db); !s) return s;
    auto pg = storage::PgDatabase::Open({db, "", 1});
    if (!pg) return std::move(pg).error();
    out.pg = std::move(*pg);
    return OpenStores<storage::PgDatabase, storage::PgAuditLog, storage::PgPrincipalStore,
                      storage::PgUnitOfWork>(vm, *out.pg, now, out);
  }
  auto sqlite = storage::Database::Open(db);
  if (!sqlite) return std::move(sqlite).error();
  out.sqlite = std::move(*sqlite);
  return OpenStores<storage::Database, storage::SqliteAuditLog, storage::SqlitePrincipalStore,
                    storage::SqliteUnitOfWork>(vm, *out.sqlite, now, out);
}

// Creates every admin with a token, and the ceremony's audit row, in one transaction.
Result<std::vector<broker::IssuedToken>> Run(const Ceremony& c, BootstrapStorage& storage,
                                             Time now) {
  storage::PrincipalStore& principals = *storage.principals;
  storage::UnitOfWork& unit_of_work = *storage.unit_of_work;
  storage::AuditLog& audit = *storage.audit;
  OsslRandom random;
  broker::Authenticator auth(principals, unit_of_work, random);
  std::vector<broker::IssuedToken> tokens;
  storage::AuditRecord ceremony;
  ceremony.time = now;
  ceremony.actor = "bootstrap";
  ceremony.action = "admin.bootstrap";
  ceremony.decision = "ok";
  auto done = storage::CommitWithAudit(
      unit_of_work, audit, std::move(ceremony),
      [&](storage::Tx& tx, storage::AuditRecord& row) -> Status {
        auto existing = principals.ListPrincipals(tx);
        if (!existing) return std::move(existing).error();
        if (!existing->empty()) {
          return Error{ErrorCode::kConflict,
                       "principals exist already: admins create principals and tokens through "
                       "the admin API, under the two-person rule"};
        }
        row.reasons = "admins";
        for (const std::string& name : c.admins) {
          auto created =
              auth.CreatePrincipal(tx, name, c.roles, "bootstrap", now, /*approved=*/true);
          if (!created) return created;
          auto token = auth.IssueToken(tx, name, c.ttl, "bootstrap", now, /*approved=*/true);
          if (!token) return std::move(token).error();
          row.reasons += " " + name + " (token " + token->id + ")";
          tokens.push_back(std::move(*token));
        }
        return Ok();
      });
  if (!done) return std::move(done).error();
  return tokens;
}

}  // namespace

int RunAdminBootstrap(const boost::program_options::variables_map& vm, const Clock& clock,
                      bool as_json) {
  if (!vm.count("db"))
    return UsageError("usage: keybroker admin bootstrap --db FILE|postgresql://... [...]");
  auto ceremony = ParseCeremony(vm);
  if (!ceremony) return UsageError(ceremony.error().message);
  BootstrapStorage storage;
  if (auto s = OpenBootstrapStorage(vm, clock.Now(), storage); !s) {
    return UsageError(s.error().message);
  }
  auto tokens = Run(*ceremony, storage, clock.Now());
  if (!tokens) return PrintRejection(tokens.error());
  boost::json::array role_names, admins;
  for (const auto& r : broker::RoleNames(ceremony->roles)) role_names.emplace_back(r);
  for (size_t i = 0; i < tokens->size(); ++i) {
    admins.push_back(boost::json::object{{"principal", ceremony->admins[i]},
                                         {"token_id", (*tokens)[i].id},
                                         {"token", (*tokens)[i].token}});
  }
  if (as_json) {
    PrintJson(boost::json::object{{"roles", role_names}, {"admins", admins}});
    return kExitOk;
  }
  for (size_t i = 0; i < tokens->size(); ++i) {
    std::cout << "principal: " << ceremony->admins[i] << "\ntoken: " << (*tokens)[i].token << "\n";
  }
  std::cout << "(shown once, valid for " << ceremony->ttl->count()
            << " s: hand each token to its admin, who replaces it with `keybroker admin tokens "
               "create <own name>`)\n";
  return kExitOk;
}

}  // namespace kb::cli
