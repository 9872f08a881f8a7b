#include "cli/dev_attest_command.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "cli/cli_io.h"
#include "cli/options.h"
#include "cli/output_file.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "dev/dev_attester.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

constexpr size_t kMaxPem = 64 * 1024;

Status WriteFile(const std::string& path, const std::string& content, unsigned mode) {
  return WriteFileWithMode(path, AsBytes(content), mode);
}

}  // namespace

// The CA in `dir`, created on first use.
Result<broker::DevAttester> LoadOrCreateCa(const std::string& dir, Time now) {
  std::string root = dir + "/root.pem";
  if (!std::filesystem::exists(root)) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto ca = broker::DevAttester::GenerateCa(now);
    if (!ca) return std::move(ca).error();
    for (auto [name, text, mode] : {std::tuple{"/root.key", &ca->root_key, 0600},
                                    std::tuple{"/intermediate.key", &ca->intermediate_key, 0600},
                                    std::tuple{"/intermediate.pem", &ca->intermediate_cert, 0644},
                                    std::tuple{"/root.pem", &ca->root_cert, 0644}}) {
      if (auto s = WriteFile(dir + name, *text, unsigned(mode)); !s) return std::move(s).error();
    }
  }
  broker::DevAttester::CaPem ca;
  for (auto [name, text] : {std::pair{"/root.pem", &ca.root_cert},
                            {"/root.key", &ca.root_key},
                            {"/intermediate.pem", &ca.intermediate_cert},
                            {"/intermediate.key", &ca.intermediate_key}}) {
    auto read = ReadTextFile(dir + name, kMaxPem);
    if (!read) return std::move(read).error();
    *text = std::move(*read);
  }
  return broker::DevAttester::Load(ca);
}

Result<broker::NitroDocument> DevDocumentFields(const std::string& platform,
                                                const std::vector<std::string>& pcr_specs) {
  if (platform != "nitro-enclave" && platform != "nitro-tpm") {
    return Error{ErrorCode::kMalformedRequest, "--platform is nitro-enclave or nitro-tpm"};
  }
  bool tpm = platform == "nitro-tpm";
  broker::NitroDocument fields{};
  fields.platform = tpm ? broker::Platform::kNitroTpm : broker::Platform::kNitroEnclave;
  fields.module_id =
      tpm ? "i-0000000000000dev0-tpm0000000000000000" : "i-0000000000000dev0-enc0000000000000dev";
  for (uint32_t i = 0; i < (tpm ? 24u : 16u); ++i) fields.pcrs[i] = Bytes(broker::kPcrSize, 0);
  if (auto s = ApplyPcrs(pcr_specs, fields); !s) return std::move(s).error();
  return fields;
}

// --pcr N=HEX (48 bytes).
Status ApplyPcrs(const std::vector<std::string>& specs, broker::NitroDocument& fields) {
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    auto value = eq == std::string::npos ? std::nullopt : HexDecode(spec.substr(eq + 1));
    int index = -1;
    if (eq != std::string::npos && eq > 0 && eq <= 2 &&
        spec.find_first_not_of("0123456789") == eq) {
      index = std::stoi(spec.substr(0, eq));
    }
    if (index < 0 || index >= int(fields.pcrs.size()) || !value ||
        value->size() != broker::kPcrSize) {
      return Error{ErrorCode::kMalformedRequest, "--pcr wants N=<96 hex digits>: " + spec};
    }
    fields.pcrs[uint32_t(index)] = std::move(*value);
  }
  return Ok();
}

namespace {

Result<Bytes> PublicKeyFileDer(const std::string& path) {
  auto pem = ReadTextFile(path, kMaxPem);
  if (!pem) return std::move(pem).error();
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem->data(), int(pem->size())));
  OsslPtr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, path + ": not a PEM public key"};
  }
  return PublicKeyDer(key.get());
}

Result<broker::NitroDocument> Fields(const po::variables_map& vm) {
  std::vector<std::string> pcrs;
  if (vm.count("pcr")) pcrs = vm["pcr"].as<std::vector<std::string>>();
  auto made = DevDocumentFields(vm["platform"].as<std::string>(), pcrs);
  if (!made) return made;
  broker::NitroDocument fields = std::move(*made);
  for (auto [option, field] :
       {std::pair{"nonce", &fields.nonce}, {"user-data", &fields.user_data}}) {
    if (!vm.count(option)) continue;
    auto bytes = HexDecode(vm[option].as<std::string>());
    if (!bytes || bytes->size() > 1024) {
      return Error{ErrorCode::kMalformedRequest, std::string("--") + option + " wants hex"};
    }
    *field = std::move(*bytes);
  }
  if (vm.count("public-key")) {
    auto der = PublicKeyFileDer(vm["public-key"].as<std::string>());
    if (!der) return std::move(der).error();
    fields.public_key = std::move(*der);
  }
  return fields;
}

}  // namespace

int RunDevAttest(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("dev-attest options");
  options.add_options()("platform", po::value<std::string>()->required(),
                        "nitro-enclave or nitro-tpm")(
      "ca-dir", po::value<std::string>()->required(), "development CA directory")(
      "out", po::value<std::string>()->required(), "document to write (CBOR)")(
      "pcr", po::value<std::vector<std::string>>(), "a PCR value, N=<96 hex digits>; repeatable")(
      "public-key", po::value<std::string>(), "PEM public key to put in the document")(
      "nonce", po::value<std::string>(), "the document's nonce, in hex")(
      "user-data", po::value<std::string>(), "the document's user data, in hex");
  auto vm = ParseOptions(argc, argv, options,
                         "keybroker dev-attest --platform nitro-enclave|nitro-tpm --ca-dir DIR "
                         "--out FILE [--pcr N=HEX]... [--public-key PEM] [--nonce HEX] "
                         "[--user-data HEX]");
  if (!vm) return vm.exit_code();
  auto fields = Fields(*vm);
  if (!fields) return UsageError(fields.error().message);
  Time now = clock.Now();
  auto attester = LoadOrCreateCa((*vm)["ca-dir"].as<std::string>(), now);
  if (!attester) return UsageError(attester.error().message);
  auto document = attester->Attest(std::move(*fields), now);
  if (!document) return UsageError(document.error().message);
  std::string out = (*vm)["out"].as<std::string>();
  if (auto s = WriteFile(out, std::string(document->begin(), document->end()), 0644); !s) {
    return UsageError(s.error().message);
  }
  PrintJson(boost::json::object{{"out", out}, {"bytes", document->size()}});
  return kExitOk;
}

}  // namespace kb::cli
