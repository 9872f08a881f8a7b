// keybroker: the one executable. Builds the object graph (today: the clock) and dispatches to a
// subcommand. See docs/architecture.md, "Command line".

#include <iostream>
#include <string_view>
#include <vector>

#include "cli/admin_command.h"
#include "cli/audit_command.h"
#include "cli/cli_io.h"
#include "cli/dev_attest_command.h"
#include "cli/help.h"
#include "cli/kek_command.h"
#include "cli/keys_command.h"
#include "cli/policy_command.h"
#include "cli/release_command.h"
#include "cli/serve_command.h"
#include "cli/verify_command.h"
#include "cli/version.h"
#include "common/clock.h"

namespace {

constexpr kb::cli::Verb kCommands[] = {
    {"serve", "run the broker (--config FILE)"},
    {"verify", "verify an attestation document offline and print its claims"},
    {"policy", "lint release policies (check), or evaluate one offline (eval)"},
    {"keys", "create or list keys in the database, offline (create, list)"},
    {"audit", "check the audit chain and its sink, offline (verify)"},
    {"kek", "re-seal everything under a new KEK, offline (rotate)"},
    {"admin", "drive the admin API; create the first admins offline (bootstrap)"},
    {"dev-attest", "sign a development attestation document"},
    {"challenge", "ask a broker for a nonce"},
    {"release", "fetch a key from a broker and unwrap it"},
    {"version", "print the version"},
    {"help", "this help; 'keybroker help <command>' is 'keybroker <command> --help'"},
};

constexpr char kEnvironment[] =
    "\nenvironment (a flag overrides its variable):\n"
    "  KEYBROKER_URL    the broker's URL, for admin, challenge and release (--url)\n"
    "  KEYBROKER_CA     the CA certificate that signed the broker's, e.g. "
    "<data_dir>/tls/cert.pem (--ca)\n"
    "  KEYBROKER_TOKEN  an admin bearer token, for admin (--token)\n";

int Dispatch(std::string_view command, int argc, const char* const* argv, const kb::Clock& clock) {
  namespace cli = kb::cli;
  if (command == "verify") return cli::RunVerify(argc, argv, clock);
  if (command == "policy") return cli::RunPolicy(argc, argv, clock);
  if (command == "keys") return cli::RunKeys(argc, argv, clock);
  if (command == "audit") return cli::RunAudit(argc, argv);
  if (command == "kek") return cli::RunKek(argc, argv, clock);
  if (command == "dev-attest") return cli::RunDevAttest(argc, argv, clock);
  if (command == "challenge") return cli::RunChallenge(argc, argv);
  if (command == "release") return cli::RunRelease(argc, argv, clock);
  if (command == "serve") return cli::RunServe(argc, argv, clock);
  if (command == "admin") return cli::RunAdmin(argc, argv, clock);
  if (command == "version" || command == "--version") {
    if (argc > 1 && cli::IsHelpWord(argv[1])) return cli::PrintHelp("usage: keybroker version\n");
    if (argc > 1) return cli::UsageErrorFor("keybroker version", "takes no arguments");
    std::cout << "keybroker " << cli::kVersion << '\n';
    return cli::kExitOk;
  }
  if (cli::IsHelpWord(command)) {
    return cli::PrintHelp(cli::VerbHelp("keybroker", kCommands, kEnvironment));
  }
  return cli::VerbHelpOrError("keybroker", kCommands, command);
}

}  // namespace

int main(int argc, char** argv) {
  kb::SystemClock clock;
  if (argc < 2) return kb::cli::VerbHelpOrError("keybroker", kCommands, "");
  std::string_view command = argv[1];
  // `keybroker help <command> [...]` is `keybroker <command> [...] --help`.
  if (command == "help" && argc > 2) {
    std::vector<const char*> args(argv + 2, argv + argc);
    args.push_back("--help");
    return Dispatch(args[0], int(args.size()), args.data(), clock);
  }
  // Subcommands parse argv after the program's name: argv[0] is the command.
  return Dispatch(command, argc - 1, argv + 1, clock);
}
