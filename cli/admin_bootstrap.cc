#include "cli/admin_bootstrap.h"

#include <boost/json.hpp>
#include <iostream>

#include "broker/admin/authenticator.h"
#include "cli/audit_setup.h"
#include "cli/cli_io.h"
#include "cli/kek_file.h"
#include "cli/options.h"
#include "common/duration.h"
#include "common/random.h"
#include "storage/sqlite_audit_log.h"
#include "storage/sqlite_principal_store.h"

namespace kb::cli {
namespace {

// With --kek, the keyed chain (converted first if still plain SHA-256); without, only a chain
// that is not keyed yet can take the row (a keyed one answers that the KEK is needed).
Result<std::unique_ptr<storage::SqliteAuditLog>> OpenBootstrapAudit(
    const boost::program_options::variables_map& vm, storage::Database& db, Time now) {
  if (!vm.count("kek")) return std::make_unique<storage::SqliteAuditLog>(db);
  auto kek = LoadKekFile(vm["kek"].as<std::string>());
  if (!kek) return std::move(kek).error();
  return OpenKeyedAuditLog(db, *kek, nullptr, now);
}

}  // namespace

int RunAdminBootstrap(const boost::program_options::variables_map& vm, const Clock& clock,
                      bool as_json) {
  if (!vm.count("db")) return UsageError("usage: keybroker admin bootstrap --db FILE [...]");
  std::string unknown;
  auto roles = broker::ParseRoles(
      SplitList(vm.count("roles") ? vm["roles"].as<std::string>() : "admin"), &unknown);
  if (!roles) return UsageError("unknown role " + unknown);
  std::optional<std::chrono::seconds> ttl;
  if (vm.count("ttl")) {
    ttl = ParseDuration(vm["ttl"].as<std::string>());
    if (!ttl) return UsageError("--ttl must be a duration such as 24h");
  }
  auto db = storage::Database::Open(vm["db"].as<std::string>());
  if (!db) return UsageError(db.error().message);
  auto audit = OpenBootstrapAudit(vm, **db, clock.Now());
  if (!audit) return UsageError(audit.error().message);
  storage::SqlitePrincipalStore principals(**db, **audit);
  auto existing = principals.ListPrincipals();
  if (!existing) return UsageError(existing.error().message);
  if (!existing->empty()) {
    return PrintRejection(Error{ErrorCode::kConflict,
                                "principals exist already: an admin issues tokens with "
                                "`keybroker admin tokens create`"});
  }
  OsslRandom random;
  broker::Authenticator auth(principals, random);
  std::string name = vm["principal"].as<std::string>();
  Time now = clock.Now();
  if (auto s = auth.CreatePrincipal(name, *roles, "bootstrap", now); !s) {
    return PrintRejection(s.error());
  }
  auto token = auth.IssueToken(name, ttl, "bootstrap", now);
  if (!token) return PrintRejection(token.error());
  boost::json::array role_names;
  for (const auto& r : broker::RoleNames(*roles)) role_names.emplace_back(r);
  boost::json::object out{
      {"principal", name}, {"roles", role_names}, {"token_id", token->id}, {"token", token->token}};
  if (as_json) {
    PrintJson(out);
  } else {
    std::cout << "principal: " << name << "\ntoken: " << token->token
              << "\n(shown once: keep it, e.g. export KEYBROKER_TOKEN=...)\n";
  }
  return kExitOk;
}

}  // namespace kb::cli
