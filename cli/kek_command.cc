#include "cli/kek_command.h"

#include <sys/stat.h>

#include <iostream>

#include "cli/audit_setup.h"
#include "cli/cli_io.h"
#include "cli/help.h"
#include "cli/kek_file.h"
#include "cli/kek_rotation.h"
#include "cli/options.h"
#include "common/encoding.h"
#include "storage/audit_anchor.h"
#include "storage/file_audit_sink.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

constexpr char kSynopsis[] =
    "keybroker kek rotate --db FILE --kek OLD --new-kek NEW [--against SINK] [--new-sink FILE]";

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The chain must match the current sink under the old KEK before it is re-keyed: a new sink
// written from a database whose rows were cut off would anchor the cut.
Status CheckAgainstSink(storage::Database& db, const broker::Kek& old_kek,
                        const std::string& file) {
  auto key = AuditKeyFromKek(old_kek);
  if (!key) return std::move(key).error();
  storage::SqliteAuditLog log(db, std::move(*key));
  auto lines = storage::ReadAuditSinkFile(file);
  if (!lines) return std::move(lines).error();
  auto report = storage::CompareWithSinkLines(
      log, [&](const storage::AuditRecord& row) { return log.ChainValue(row); }, *lines);
  if (!report) return std::move(report).error();
  if (report->ok) return Ok();
  std::string why = "the audit chain does not match the audit sink " + file;
  if (report->first_difference) {
    why += " at seq " + std::to_string(report->first_difference->seq) + " (" +
           report->first_difference->kind + ": " + report->first_difference->reason + ")";
  }
  return Error{ErrorCode::kInternal, why +
                                         "; refusing to rotate. See `keybroker audit verify "
                                         "--against " +
                                         file + "`; nothing was changed"};
}

// The new sink: a file that holds nothing yet, so it anchors exactly the re-keyed chain.
Result<std::unique_ptr<storage::FileAuditSink>> OpenNewSink(const std::string& path) {
  auto sink = storage::FileAuditSink::Open(path);
  if (!sink) return std::move(sink).error();
  if (!(*sink)->empty()) {
    return Error{ErrorCode::kInternal,
                 path +
                     " already holds lines: --new-sink must name a new, empty file (remove it "
                     "if a failed rotation left it, or pick another name)"};
  }
  return sink;
}

void PrintNextSteps(bool new_sink) {
  std::cerr << "keybroker: rotated. Next: install the new KEK where kek_file points (the old "
               "file's place), "
            << (new_sink ? "set audit_sink to the new sink file, " : "")
            << "start the broker, and check it with `keybroker audit verify --kek NEW`. Keep "
               "the old KEK only as long as backups taken before the rotation (they are "
               "sealed under it).\n";
}

int Rotate(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("kek rotate options");
  options.add_options()("db", po::value<std::string>()->required(), "SQLite database")(
      "kek", po::value<std::string>()->required(), "the current KEK file (32 bytes, mode 0600)")(
      "new-kek", po::value<std::string>()->required(), "the new KEK file (the same checks)")(
      "against", po::value<std::string>(),
      "the current audit sink file: the chain must match it before rotating")(
      "new-sink", po::value<std::string>(),
      "a new, empty audit sink file that receives the re-keyed chain (needs --against)")(
      "no-old-sink", "with --new-sink: the broker had no audit sink, so there is none to check")(
      "actor", po::value<std::string>()->default_value("cli"), "who, for the audit log");
  auto vm = ParseOptions(argc, argv, options, kSynopsis);
  if (!vm) return vm.exit_code();
  const auto& v = *vm;
  auto old_kek = LoadKekFile(v["kek"].as<std::string>());
  if (!old_kek) return UsageError("--kek: " + old_kek.error().message);
  auto new_kek = LoadKekFile(v["new-kek"].as<std::string>());
  if (!new_kek) return UsageError("--new-kek: " + new_kek.error().message);
  std::string path = v["db"].as<std::string>();
  if (!FileExists(path)) return UsageError(path + ": no such database; check --db");
  // A new sink anchors the chain as it is now: rows cut off the end before the rotation would
  // pass as complete unless the chain was first checked against the sink it had.
  if (v.count("new-sink") && !v.count("against") && !v.count("no-old-sink")) {
    return UsageError(
        "--new-sink needs --against CURRENT_SINK, so that the chain is checked before a new sink "
        "anchors it; if the broker had no audit sink, say --no-old-sink");
  }
  if (v.count("against") && v.count("no-old-sink")) {
    return UsageError("--against and --no-old-sink contradict each other");
  }
  if (v.count("against") && v.count("new-sink") &&
      v["against"].as<std::string>() == v["new-sink"].as<std::string>()) {
    return UsageError("--new-sink must be a new file, not the current sink (--against)");
  }
  auto db = storage::Database::Open(path);
  if (!db) return UsageError(db.error().message);
  if (auto s = (*db)->LockExclusively(); !s) return UsageError(s.error().message);
  if (v.count("against")) {
    auto s = CheckAgainstSink(**db, *old_kek, v["against"].as<std::string>());
    if (!s) return PrintRejection(s.error());
  }
  std::unique_ptr<storage::FileAuditSink> sink;
  if (v.count("new-sink")) {
    auto opened = OpenNewSink(v["new-sink"].as<std::string>());
    if (!opened) return UsageError(opened.error().message);
    sink = std::move(*opened);
    (*db)->set_audit_sink(sink.get());
  }
  OsslRandom random;
  auto rotated =
      RotateKek(**db, *old_kek, *new_kek, random, clock.Now(), v["actor"].as<std::string>());
  if (!rotated) return PrintRejection(rotated.error());
  PrintJson(boost::json::object{{"rotated", true},
                                {"key_versions", rotated->key_versions},
                                {"access_keys", rotated->access_keys},
                                {"import_tokens", rotated->import_tokens},
                                {"import_tokens_deleted", rotated->import_tokens_deleted},
                                {"audit_rows", rotated->audit_rows},
                                {"old_head", HexEncode(rotated->old_head)},
                                {"kek_rotate_seq", rotated->rotate_seq}});
  PrintNextSteps(sink != nullptr);
  return kExitOk;
}

}  // namespace

int RunKek(int argc, const char* const* argv, const Clock& clock) {
  static constexpr Verb kVerbs[] = {
      {"rotate",
       "re-seal every key and secret and re-key the audit chain under a new KEK "
       "(offline: stop the broker first; docs/deploy.md, \"KEK rotation\")"},
  };
  std::string verb = argc >= 2 ? argv[1] : "";
  if (verb == "rotate") return Rotate(argc - 1, argv + 1, clock);
  return VerbHelpOrError("keybroker kek", kVerbs, verb);
}

}  // namespace kb::cli
