#include "cli/evidence_input.h"

#include <string>
#include <variant>
#include <vector>

#include "api/json_input.h"
#include "broker/evidence/nitro_verifier.h"
#include "broker/evidence/tpm2_evidence.h"
#include "broker/evidence/tpm2_quote_verifier.h"
#include "cli/cli_io.h"
#include "cli/options.h"
#include "common/encoding.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

constexpr size_t kMaxPemSize = 1 << 20;

// Loads --trust-root files on top of the built-in AWS root. An exit code on failure.
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

std::optional<int> LoadAttestationKeys(const po::variables_map& vm, broker::AttestationKeys& keys) {
  if (!vm.count("ak")) return UsageError("tpm2-quote evidence needs --ak");
  for (const std::string& path : vm["ak"].as<std::vector<std::string>>()) {
    auto key = ReadFile(path, kMaxPemSize);
    if (!key) return UsageError(key.error().message);
    auto added = keys.AddTpm2bPublic(*key);  // PEM is refused, as by the broker
    if (!added) return UsageError(path + ": " + added.error().message);
  }
  return std::nullopt;
}

// Verifies with the verifier for `platform` (nullopt: decided by the document's form).
std::variant<Result<broker::VerifiedEvidence>, int> VerifyDocument(
    const po::variables_map& vm, const Bytes& document, std::optional<broker::Platform> platform,
    Time at) {
  bool tpm =
      platform ? *platform == broker::Platform::kTpm2Quote : broker::IsJsonEvidence(document);
  if (tpm) {
    broker::AttestationKeys keys;
    if (auto exit = LoadAttestationKeys(vm, keys)) return *exit;
    return broker::Tpm2QuoteVerifier(keys).Verify(document, at);
  }
  if (vm.count("ak")) return UsageError("--ak applies to tpm2-quote evidence only");
  auto anchors = broker::TrustAnchors::AwsNitroDefault();
  if (auto exit = AddTrustRoots(vm, anchors)) return *exit;
  broker::CertificateCache cache(0);  // one document: nothing to reuse
  return broker::NitroVerifier(anchors, cache).Verify(document, at, platform);
}

}  // namespace

void AddEvidenceOptions(po::options_description& options) {
  options.add_options()("evidence", po::value<std::string>()->required(),
                        "attestation document (CBOR or base64)")(
      "type", po::value<std::string>()->default_value("auto"),
      "auto, nitro-enclave, nitro-tpm or tpm2-quote")(
      "trust-root", po::value<std::vector<std::string>>(), "additional trusted root (PEM)")(
      "at", po::value<std::string>(), "verification time (RFC 3339), default now")(
      "nonce", po::value<std::string>(), "required document nonce (hex)")(
      "ak", po::value<std::vector<std::string>>(), "attestation key for tpm2-quote (TPM2B_PUBLIC)");
}

int VerifyEvidenceFromOptions(const po::variables_map& vm, Time now,
                              std::optional<broker::VerifiedEvidence>* verified, Time* at) {
  std::string type = vm["type"].as<std::string>();
  auto platform = api::ParseEvidenceType(type);
  if (!platform) return UsageError("unknown --type " + type);
  auto resolved = ResolveAt(vm, now);
  if (!resolved) return kExitUsage;
  *at = *resolved;
  std::optional<Bytes> nonce;
  if (vm.count("nonce")) {
    nonce = HexDecode(vm["nonce"].as<std::string>());
    if (!nonce) return UsageError("--nonce is not hex");
  }
  auto document = ReadEvidenceFile(vm["evidence"].as<std::string>());
  if (!document) {
    if (document.error().code == ErrorCode::kInternal) return UsageError(document.error().message);
    return PrintRejection(document.error());
  }
  auto outcome = VerifyDocument(vm, *document, *platform, *at);
  if (auto* exit = std::get_if<int>(&outcome)) return *exit;
  auto& result = std::get<Result<broker::VerifiedEvidence>>(outcome);
  if (!result) return PrintRejection(result.error());
  if (nonce) {
    if (auto s = broker::RequireNonce(result->claims(), *nonce); !s)
      return PrintRejection(s.error());
  }
  verified->emplace(std::move(*result));
  return kExitOk;
}

}  // namespace kb::cli
