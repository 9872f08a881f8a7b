#include "cli/audit_command.h"

#include "cli/audit_setup.h"
#include "cli/cli_io.h"
#include "cli/help.h"
#include "cli/kek_file.h"
#include "cli/options.h"
#include "common/encoding.h"
#include "storage/audit_anchor.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;
namespace json = boost::json;

constexpr char kSynopsis[] =
    "keybroker audit verify --db FILE|postgresql://... --kek FILE [--against SINK]";

json::object ChainJson(const storage::AuditVerification& v) {
  json::object out{{"ok", v.ok}, {"rows", v.rows}};
  if (v.ok) {
    out["head"] = HexEncode(v.head);
  } else {
    out["broken_at"] = v.broken_at;
    out["reason"] = v.reason;
  }
  return out;
}

json::object AnchorJson(const std::string& file, const storage::AnchorReport& r) {
  json::object out{{"file", file},
                   {"ok", r.ok},
                   {"lines", r.lines},
                   {"superseded", r.superseded},
                   {"rows_not_in_file", r.rows_not_in_file}};
  if (r.rows_not_in_file > 0) out["first_not_in_file"] = r.first_not_in_file;
  if (r.first_difference) {
    const auto& d = *r.first_difference;
    out["first_difference"] =
        json::object{{"seq", d.seq}, {"line", d.line}, {"kind", d.kind}, {"reason", d.reason}};
  }
  return out;
}

// The chain's verification and, with --against, the comparison with the sink's file.
template <typename Log>
int VerifyLog(Log& log, const po::variables_map& vm) {
  auto chain = log.Verify();
  if (!chain) return UsageError(chain.error().message);
  json::object out = ChainJson(*chain);
  bool ok = chain->ok;
  if (vm.count("against")) {
    std::string file = vm["against"].as<std::string>();
    auto lines = storage::ReadAuditSinkFile(file);
    if (!lines) return UsageError(lines.error().message);
    auto anchor = storage::CompareWithSinkLines(
        log, [&](const storage::AuditRecord& row) { return log.ChainValue(row); }, *lines);
    if (!anchor) return UsageError(anchor.error().message);
    out["against"] = AnchorJson(file, *anchor);
    ok = ok && anchor->ok;
  }
  out["ok"] = ok;
  PrintJson(out);
  return ok ? kExitOk : kExitRejected;
}

// SQLite read-only; PostgreSQL in one snapshot (PgAuditLog::Verify), the password from libpq's
// PGPASSWORD or PGPASSFILE.
int Verify(const po::variables_map& vm) {
  auto kek = LoadKekFile(vm["kek"].as<std::string>());
  if (!kek) return UsageError(kek.error().message);
  auto key = AuditKeyFromKek(*kek);
  if (!key) return UsageError(key.error().message);
  const std::string& database = vm["db"].as<std::string>();
  if (storage::IsPostgresUrl(database)) {
    auto pg = storage::PgDatabase::OpenCurrent({database, "", 1});
    if (!pg) return UsageError(pg.error().message);
    storage::PgAuditLog log(**pg, std::move(*key));
    return VerifyLog(log, vm);
  }
  auto db = storage::Database::OpenReadOnly(database);
  if (!db) return UsageError(db.error().message);
  storage::SqliteAuditLog log(**db, std::move(*key));
  return VerifyLog(log, vm);
}

}  // namespace

constexpr Verb kVerbs[] = {
    {"verify", "check the audit log's keyed chain, and that its sink holds every row"},
};

int RunAudit(int argc, const char* const* argv) {
  std::string verb = argc >= 2 ? argv[1] : "";
  if (verb != "verify") return VerbHelpOrError("keybroker audit", kVerbs, verb);
  po::options_description options("audit verify options");
  options.add_options()("db", po::value<std::string>()->required(),
                        "the database: a SQLite file or a postgresql:// URL")(
      "kek", po::value<std::string>()->required(),
      "KEK file (32 bytes, mode 0600): the chain's key is derived from it")(
      "against", po::value<std::string>(),
      "the audit sink's file (config audit_sink): find rows missing, changed or cut off");
  auto vm = ParseOptions(argc - 1, argv + 1, options, kSynopsis);
  if (!vm) return vm.exit_code();
  return Verify(*vm);
}

}  // namespace kb::cli
