// keybroker: the one executable. Builds the object graph (today: the clock) and dispatches to a
// subcommand. See ARCHITECTURE.md, "Command line".

#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/admin_command.h"
#include "cli/audit_command.h"
#include "cli/cli_io.h"
#include "cli/dev_attest_command.h"
#include "cli/kek_command.h"
#include "cli/keys_command.h"
#include "cli/policy_command.h"
#include "cli/release_command.h"
#include "cli/serve_command.h"
#include "cli/verify_command.h"
#include "cli/version.h"
#include "common/clock.h"

namespace {

constexpr char kUsage[] =
    "usage: keybroker <command> [options]\n"
    "commands:\n"
    "  serve   --config FILE            validate the configuration and start the broker\n"
    "  verify  --evidence FILE [...]    verify an attestation document offline\n"
    "  policy  check FILE...            lint release policies\n"
    "  policy  eval --policy F --evidence F [...]  evaluate a policy offline\n"
    "  keys    create --db F --kek F --id NAME [--import F] | list --db F\n"
    "  audit   verify --db F --kek F [--against SINK]  check the audit chain (and its sink)\n"
    "  kek     rotate --db F --kek OLD --new-kek NEW [--against SINK --new-sink F]  offline\n"
    "  admin   <resource> <verb> [...]    the admin API (keybroker admin help)\n"
    "  dev-attest --platform P --ca-dir D --out F [...]  sign a development document\n"
    "  challenge --url URL [--ca PEM]   ask a broker for a nonce\n"
    "  release --url URL --key-id ID --out F (--dev-attest DIR | --evidence F --private-key K)\n"
    "  version                          print the version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return kb::cli::kExitUsage;
  }
  std::string_view command = argv[1];
  kb::SystemClock clock;
  // Subcommands parse argv after the command name.
  int sub_argc = argc - 1;
  const char* const* sub_argv = argv + 1;
  if (command == "verify") return kb::cli::RunVerify(sub_argc, sub_argv, clock);
  if (command == "policy") return kb::cli::RunPolicy(sub_argc, sub_argv, clock);
  if (command == "keys") return kb::cli::RunKeys(sub_argc, sub_argv, clock);
  if (command == "audit") return kb::cli::RunAudit(sub_argc, sub_argv);
  if (command == "kek") return kb::cli::RunKek(sub_argc, sub_argv, clock);
  if (command == "dev-attest") return kb::cli::RunDevAttest(sub_argc, sub_argv, clock);
  if (command == "challenge") return kb::cli::RunChallenge(sub_argc, sub_argv);
  if (command == "release") return kb::cli::RunRelease(sub_argc, sub_argv, clock);
  if (command == "serve") return kb::cli::RunServe(sub_argc, sub_argv, clock);
  if (command == "admin") return kb::cli::RunAdmin(sub_argc, sub_argv, clock);
  if (command == "version" || command == "--version") {
    std::cout << "keybroker " << kb::cli::kVersion << '\n';
    return kb::cli::kExitOk;
  }
  std::cerr << "keybroker: unknown command '" << command << "'\n" << kUsage;
  return kb::cli::kExitUsage;
}
