#include "cli/verify_command.h"

#include <string>
#include <vector>

#include "broker/evidence/claims_json.h"
#include "broker/evidence/nitro_verifier.h"
#include "cli/cli_io.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/encoding.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

constexpr char kSynopsis[] =
    "keybroker verify --evidence FILE [--type auto|nitro-enclave|nitro-tpm|tpm2-quote] "
    "[--trust-root PEM]... [--at RFC3339] [--nonce HEX] [--ak PEM]";
constexpr size_t kMaxPemSize = 1 << 20;

std::optional<broker::Platform> ParseType(const std::string& type, bool& ok) {
  ok = true;
  if (type == "auto") return std::nullopt;
  if (type == "nitro-enclave") return broker::Platform::kNitroEnclave;
  if (type == "nitro-tpm") return broker::Platform::kNitroTpm;
  ok = false;
  return std::nullopt;
}

// Loads --trust-root files on top of the built-in AWS root. Exit code on failure.
std::optional<int> AddTrustRoots(const po::variables_map& vm, broker::TrustAnchors& anchors) {
  if (!vm.count("trust-root")) return std::nullopt;
  for (const std::string& path : vm["trust-root"].as<std::vector<std::string>>()) {
    auto pem = ReadFile(path, kMaxPemSize);
    if (!pem) return UsageError(pem.error().message);
    auto added = anchors.AddPem(std::string(pem->begin(), pem->end()));
    if (!added) return UsageError(path + ": " + added.error().message);
  }
  return std::nullopt;
}

}  // namespace

int RunVerify(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("verify options");
  options.add_options()("evidence", po::value<std::string>()->required(),
                        "attestation document (CBOR or base64)")(
      "type", po::value<std::string>()->default_value("auto"), "evidence type")(
      "trust-root", po::value<std::vector<std::string>>(), "additional trusted root (PEM)")(
      "at", po::value<std::string>(), "verification time (RFC 3339), default now")(
      "nonce", po::value<std::string>(), "required document nonce (hex)")(
      "ak", po::value<std::string>(), "attestation key for tpm2-quote (PEM)");
  auto vm = ParseOptions(argc, argv, options, kSynopsis);
  if (!vm) return kExitUsage;

  bool type_ok = false;
  std::string type = (*vm)["type"].as<std::string>();
  auto platform = ParseType(type, type_ok);
  if (type == "tpm2-quote") return UsageError("tpm2-quote evidence is not supported yet");
  if (!type_ok) return UsageError("unknown --type " + type);
  auto now = ResolveAt(*vm, clock.Now());
  if (!now) return kExitUsage;
  std::optional<Bytes> nonce;
  if (vm->count("nonce")) {
    nonce = HexDecode((*vm)["nonce"].as<std::string>());
    if (!nonce) return UsageError("--nonce is not hex");
  }

  auto anchors = broker::TrustAnchors::AwsNitroDefault();
  if (auto exit = AddTrustRoots(*vm, anchors)) return *exit;
  auto document = ReadEvidenceFile((*vm)["evidence"].as<std::string>());
  if (!document) {
    if (document.error().code == ErrorCode::kInternal) return UsageError(document.error().message);
    return PrintRejection(document.error());
  }

  broker::CertificateCache cache(0);  // one document: nothing to reuse
  broker::NitroVerifier verifier(anchors, cache);
  auto verified = verifier.Verify(*document, *now, platform);
  if (!verified) return PrintRejection(verified.error());
  if (nonce) {
    if (auto s = broker::RequireNonce(verified->claims(), *nonce); !s) {
      return PrintRejection(s.error());
    }
  }
  PrintJson(broker::ClaimsToJson(verified->claims()));
  return kExitOk;
}

}  // namespace kb::cli
