#include "cli/keys_command.h"

#include <boost/json/array.hpp>

#include "broker/keys/key_manager.h"
#include "cli/audit_setup.h"
#include "cli/cli_io.h"
#include "cli/help.h"
#include "cli/kek_file.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

int Create(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("keys create options");
  options.add_options()("db", po::value<std::string>()->required(), "SQLite database")(
      "kek", po::value<std::string>()->required(), "KEK file (32 bytes, mode 0600)")(
      "id", po::value<std::string>()->required(), "key id")(
      "import", po::value<std::string>(), "file holding the secret to import (1..4096 bytes)")(
      "actor", po::value<std::string>()->default_value("cli"), "who, for the audit log")(
      "purpose", po::value<std::string>()->default_value("release"),
      "release (handed to attested workloads) or kms (serves the KMS API only)")(
      "attestation-required", po::value<std::string>()->default_value("true"),
      "kms keys: false lets granted kms-users get plaintext without a Recipient");
  auto vm = ParseOptions(argc, argv, options,
                         "keybroker keys create --db FILE --kek FILE --id NAME [--import FILE] "
                         "[--purpose release|kms] [--attestation-required true|false]");
  if (!vm) return vm.exit_code();
  auto purpose = storage::ParseKeyPurpose((*vm)["purpose"].as<std::string>());
  const std::string& required = (*vm)["attestation-required"].as<std::string>();
  if (!purpose) return UsageError("--purpose is release or kms");
  if (required != "true" && required != "false") {
    return UsageError("--attestation-required is true or false");
  }
  broker::KeyOptions key_options{*purpose, required == "true"};
  auto kek = LoadKekFile((*vm)["kek"].as<std::string>());
  if (!kek) return UsageError(kek.error().message);
  auto db = storage::Database::Open((*vm)["db"].as<std::string>());
  if (!db) return UsageError(db.error().message);
  storage::SqliteKeyStore keys(**db);
  // Offline, without the configured audit sink: its row is in the chain but not in the sink
  // (`audit verify --against` lists it as not in the file).
  auto audit = OpenKeyedAuditLog(**db, *kek, nullptr, clock.Now());
  if (!audit) return UsageError(audit.error().message);
  storage::SqliteUnitOfWork unit_of_work(**db);
  OsslRandom random;
  broker::KeyManager manager(keys, **audit, unit_of_work, *kek, random);
  std::string id = (*vm)["id"].as<std::string>();
  std::string actor = (*vm)["actor"].as<std::string>();
  Status created;
  if (vm->count("import")) {
    auto secret = ReadFile((*vm)["import"].as<std::string>(), broker::KeyManager::kMaxImportSize);
    if (!secret) return UsageError(secret.error().message);
    SecretBytes material(*secret);
    std::fill(secret->begin(), secret->end(), 0);
    created = manager.Import(id, material, actor, clock.Now(), key_options);
  } else {
    created = manager.CreateGenerated(id, actor, clock.Now(), key_options);
  }
  if (!created) return PrintRejection(created.error());
  PrintJson(boost::json::object{{"key_id", id},
                                {"version", 1},
                                {"origin", vm->count("import") ? "imported" : "generated"},
                                {"purpose", storage::KeyPurposeName(*purpose)},
                                {"attestation_required", key_options.attestation_required}});
  return kExitOk;
}

int List(int argc, const char* const* argv) {
  po::options_description options("keys list options");
  options.add_options()("db", po::value<std::string>()->required(), "SQLite database");
  auto vm = ParseOptions(argc, argv, options, "keybroker keys list --db FILE");
  if (!vm) return vm.exit_code();
  auto db = storage::Database::OpenReadOnly((*vm)["db"].as<std::string>());
  if (!db) return UsageError(db.error().message);
  auto keys = storage::SqliteKeyStore(**db).List();
  if (!keys) return UsageError(keys.error().message);
  boost::json::array out;
  for (const auto& k : *keys) {
    out.push_back(boost::json::object{{"key_id", k.id},
                                      {"purpose", storage::KeyPurposeName(k.purpose)},
                                      {"attestation_required", k.attestation_required},
                                      {"origin", k.origin},
                                      {"enabled", k.enabled},
                                      {"current_version", k.current_version},
                                      {"created_at", FormatRfc3339(k.created_at)},
                                      {"created_by", k.created_by}});
  }
  PrintJson(boost::json::object{{"keys", std::move(out)}});
  return kExitOk;
}

}  // namespace

constexpr Verb kVerbs[] = {
    {"create", "create (or --import) a key in the database, offline"},
    {"list", "list the keys in the database"},
};

int RunKeys(int argc, const char* const* argv, const Clock& clock) {
  std::string verb = argc >= 2 ? argv[1] : "";
  if (verb == "create") return Create(argc - 1, argv + 1, clock);
  if (verb == "list") return List(argc - 1, argv + 1);
  return VerbHelpOrError("keybroker keys", kVerbs, verb);
}

}  // namespace kb::cli
