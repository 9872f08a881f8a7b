#include "cli/verify_command.h"

#include "broker/evidence/claims_json.h"
#include "cli/cli_io.h"
#include "cli/evidence_input.h"
#include "cli/options.h"
#include "common/clock.h"

namespace kb::cli {

namespace po = boost::program_options;

int RunVerify(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("verify options");
  AddEvidenceOptions(options);
  auto vm = ParseOptions(argc, argv, options,
                         "keybroker verify --evidence FILE [--type auto|nitro-enclave|nitro-tpm|"
                         "tpm2-quote] [--trust-root PEM]... [--at RFC3339] [--nonce HEX] "
                         "[--ak FILE]");
  if (!vm) return vm.exit_code();
  std::optional<broker::VerifiedEvidence> verified;
  Time at;
  if (int exit = VerifyEvidenceFromOptions(*vm, clock.Now(), &verified, &at); exit != kExitOk) {
    return exit;
  }
  PrintJson(broker::ClaimsToJson(verified->claims()));
  return kExitOk;
}

}  // namespace kb::cli
