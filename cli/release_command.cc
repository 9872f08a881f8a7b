#include "cli/release_command.h"

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>

#include "api/https_client.h"
#include "broker/keys/rsa_oaep.h"
#include "cli/cli_io.h"
#include "cli/dev_attest_command.h"
#include "cli/help.h"
#include "cli/options.h"
#include "cli/output_file.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "dev/cert_builder.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;
namespace json = boost::json;

constexpr char kUrlHelp[] = "the broker, https://HOST:PORT (default: $KEYBROKER_URL)";
constexpr char kCaHelp[] =
    "CA certificate that signed the broker's, e.g. <data_dir>/tls/cert.pem (default: "
    "$KEYBROKER_CA, else the system's trust store)";

// The broker's URL must come from somewhere: a usage error (exit 2) when neither is given.
int CheckUrl(const po::variables_map& vm, std::string_view command) {
  if (FlagOrEnvironment(vm, "url", "KEYBROKER_URL")) return kExitOk;
  return UsageErrorFor(command, "no broker URL: give --url https://HOST:PORT or set KEYBROKER_URL");
}

Result<json::object> Post(const po::variables_map& vm, const std::string& target,
                          const std::string& body, int* status) {
  auto url = FlagOrEnvironment(vm, "url", "KEYBROKER_URL");
  if (!url)
    return Error{ErrorCode::kMalformedRequest, "no broker URL: give --url or set KEYBROKER_URL"};
  api::ClientOptions client;
  client.ca_file = FlagOrEnvironment(vm, "ca", "KEYBROKER_CA").value_or("");
  auto response = api::HttpsRequest(*url, "POST", target, body, client);
  if (!response) return std::move(response).error();
  *status = response->status;
  boost::system::error_code ec;
  json::value parsed = json::parse(response->body, ec);
  if (ec || !parsed.is_object()) return Error{ErrorCode::kInternal, "server answered non-JSON"};
  return std::move(parsed.as_object());
}

Result<Bytes> Unwrap(const std::string& format, const Bytes& wrapped, EVP_PKEY* key) {
  if (format == "cms") {
    const unsigned char* p = wrapped.data();
    OsslPtr<CMS_ContentInfo> cms(d2i_CMS_ContentInfo(nullptr, &p, long(wrapped.size())));
    OsslPtr<BIO> out(BIO_new(BIO_s_mem()));
    if (!cms || !out || CMS_decrypt(cms.get(), key, nullptr, nullptr, out.get(), CMS_BINARY) != 1) {
      return Error{ErrorCode::kInternal, OsslErrorString("CMS decrypt")};
    }
    char* data = nullptr;
    long len = BIO_get_mem_data(out.get(), &data);
    return Bytes(data, data + len);
  }
  auto secret = broker::OaepSha256Decrypt(key, wrapped);
  if (!secret) return std::move(secret).error();
  return Bytes(secret->span().begin(), secret->span().end());  // the caller cleanses it
}

// A development document bound to a fresh challenge and `key`.
Result<Bytes> DevDocument(const po::variables_map& vm, EVP_PKEY* key, Time now) {
  int status = 0;
  auto challenge = Post(vm, "/v1/challenge", "{}", &status);
  if (!challenge) return std::move(challenge).error();
  // A refusal (429, or 500 while the broker cannot reach its database) names its error.
  const auto* field = challenge->if_contains("nonce");
  if (status != 200 || field == nullptr || !field->is_string()) {
    const auto* error = challenge->if_contains("error");
    return Error{ErrorCode::kInternal,
                 "challenge failed (HTTP " + std::to_string(status) + "): " +
                     (error != nullptr && error->is_string() ? std::string(error->as_string())
                                                             : std::string("no nonce"))};
  }
  auto nonce = HexDecode(std::string(field->as_string()));
  if (!nonce) return Error{ErrorCode::kInternal, "challenge failed: the nonce is not hex"};
  auto attester = LoadOrCreateCa(vm["dev-attest"].as<std::string>(), now);
  if (!attester) return std::move(attester).error();
  std::vector<std::string> pcrs;
  if (vm.count("pcr")) pcrs = vm["pcr"].as<std::vector<std::string>>();
  auto fields = DevDocumentFields(vm["platform"].as<std::string>(), pcrs);
  if (!fields) return std::move(fields).error();
  fields->nonce = std::move(*nonce);
  auto spki = PublicKeyDer(key);
  if (!spki) return std::move(spki).error();
  fields->public_key = std::move(*spki);
  return attester->Attest(std::move(*fields), now);
}

Result<OsslPtr<EVP_PKEY>> ReadPrivateKey(const std::string& path) {
  auto pem = ReadFile(path, 1 << 16);
  if (!pem) return std::move(pem).error();
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem->data(), int(pem->size())));
  OsslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Error{ErrorCode::kInternal, path + ": not a PEM private key"};
  return key;
}

}  // namespace

int RunChallenge(int argc, const char* const* argv) {
  po::options_description options("challenge options");
  options.add_options()("url", po::value<std::string>(), kUrlHelp)("ca", po::value<std::string>(),
                                                                   kCaHelp);
  auto vm = ParseOptions(argc, argv, options, "keybroker challenge [--url URL] [--ca PEM]");
  if (!vm) return vm.exit_code();
  if (int exit = CheckUrl(*vm, "keybroker challenge"); exit != kExitOk) return exit;
  int status = 0;
  auto reply = Post(*vm, "/v1/challenge", "{}", &status);
  if (!reply) return CallError(reply.error());
  PrintJson(*reply);
  return status == 200 ? kExitOk : kExitRejected;
}

int RunRelease(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("release options");
  options.add_options()("url", po::value<std::string>(), kUrlHelp)(
      "key-id", po::value<std::string>()->required(), "key to release")(
      "out", po::value<std::string>()->required(), "file for the key bytes (mode 0600)")(
      "ca", po::value<std::string>(), kCaHelp)("format",
                                               po::value<std::string>()->default_value("cms"),
                                               "how the broker wraps the key: cms or rsa-oaep-256")(
      "dev-attest", po::value<std::string>(),
      "make a development document, signed by the CA in DIR")(
      "platform", po::value<std::string>()->default_value("nitro-enclave"),
      "the development document's platform: nitro-enclave or nitro-tpm")(
      "pcr", po::value<std::vector<std::string>>(),
      "a PCR of the development document, e.g. 0=<96 hex digits>; repeatable")(
      "evidence", po::value<std::string>(),
      "an attestation document made elsewhere, with --private-key")(
      "private-key", po::value<std::string>(),
      "the private key of the public key in --evidence (PEM)");
  auto vm = ParseOptions(argc, argv, options,
                         "keybroker release [--url URL] --key-id ID --out FILE (--dev-attest DIR "
                         "[--pcr N=HEX]... | --evidence FILE --private-key PEM)");
  if (!vm) return vm.exit_code();
  if (int exit = CheckUrl(*vm, "keybroker release"); exit != kExitOk) return exit;
  OsslPtr<EVP_PKEY> key;
  Bytes document;
  if (vm->count("dev-attest")) {
    auto generated = broker::GenerateKey(broker::KeyType::kRsa2048);
    if (!generated) return UsageError(generated.error().message);
    key = std::move(*generated);
    auto made = DevDocument(*vm, key.get(), clock.Now());
    if (!made) return CallError(made.error());
    document = std::move(*made);
  } else if (vm->count("evidence") && vm->count("private-key")) {
    auto read = ReadEvidenceFile((*vm)["evidence"].as<std::string>());
    auto loaded = ReadPrivateKey((*vm)["private-key"].as<std::string>());
    if (!read) return UsageError(read.error().message);
    if (!loaded) return UsageError(loaded.error().message);
    document = std::move(*read);
    key = std::move(*loaded);
  } else {
    return UsageError("give --dev-attest DIR, or --evidence FILE with --private-key PEM");
  }
  std::string format = (*vm)["format"].as<std::string>();
  json::object request{
      {"key_id", (*vm)["key-id"].as<std::string>()},
      {"evidence", json::object{{"type", "auto"}, {"document", Base64Encode(document)}}},
      {"format", format}};
  int status = 0;
  auto reply = Post(*vm, "/v1/release", json::serialize(request), &status);
  if (!reply) return CallError(reply.error());
  if (status != 200) {
    PrintJson(*reply);
    return kExitRejected;
  }
  auto wrapped = Base64Decode(std::string(reply->at("ciphertext_for_recipient").as_string()));
  if (!wrapped) return UsageError("server sent invalid base64");
  auto plain = Unwrap(format, *wrapped, key.get());
  if (!plain) return UsageError(plain.error().message);
  std::string out = (*vm)["out"].as<std::string>();
  auto written = WriteFileWithMode(out, *plain, 0600);
  OPENSSL_cleanse(plain->data(), plain->size());
  if (!written) return UsageError(written.error().message);
  PrintJson(json::object{{"key_id", reply->at("key_id")},
                         {"key_version", reply->at("key_version")},
                         {"policy", reply->at("policy")},
                         {"decision_id", reply->at("decision_id")},
                         {"out", out}});
  return kExitOk;
}

}  // namespace kb::cli
