#include "cli/admin_command.h"

#include <openssl/x509.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "api/https_client.h"
#include "broker/keys/rsa_oaep.h"
#include "cli/admin_bootstrap.h"
#include "cli/admin_output.h"
#include "cli/cli_io.h"
#include "cli/options.h"
#include "common/encoding.h"
#include "crypto/ossl.h"
#include "policy/policy_parser.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;
namespace json = boost::json;

constexpr char kUsage[] =
    "usage: keybroker admin <resource> <verb> [ARG] [--url URL] [--token T] [--ca PEM] [--json]\n"
    "  bootstrap --db FILE [--kek FILE] --admins A,B[,...] [--ttl D]   the first admins, offline,\n"
    "            a token each\n"
    "  whoami | pending\n"
    "  principals create NAME --roles LIST | list | approve NAME | disable NAME\n"
    "  tokens create PRINCIPAL [--ttl 24h] | list | approve ID | revoke ID\n"
    "  access-keys create PRINCIPAL | list | approve ID | revoke ID   (KMS API credentials)\n"
    "  client-certs add PRINCIPAL --file CERT.pem | list | approve ID | revoke ID   (mutual TLS:\n"
    "               a certificate from admin_client_ca authenticates once bound and approved)\n"
    "  references create --file F [--name N] [--source S] | list | get N | revoke N |\n"
    "             reinstate N | approve N\n"
    "  policies put --file F | list | get N [--version V] | versions N | approve N --version V |\n"
    "           activate N --version V | deactivate N |\n"
    "           evaluate N --evidence F [--version V] [--at T]\n"
    "  keys create ID [--purpose release|kms] [--attestation-required false] | list | get ID |\n"
    "       rotate ID | enable ID | disable ID | import ID --file F [--purpose ...] |\n"
    "       import-parameters ID (for importers that wrap elsewhere) |\n"
    "       set-attestation ID --attestation-required true|false | attestation ID |\n"
    "       approve-attestation ID --version V\n"
    "  grants create PRINCIPAL --key-id K --operations Encrypt,Decrypt,... | list |\n"
    "         approve ID | revoke ID   (KMS API grants)\n"
    "  aks register --file F [--description D] | list | approve ID | revoke ID\n"
    "  audit list [--after N] [--limit N] | verify\n"
    "The token comes from --token or KEYBROKER_TOKEN; or --cert/--key present an admin client\n"
    "certificate (mutual TLS, when the broker names admin_client_ca).\n";

struct Call {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type = "application/json";
};

// Percent-encodes a path segment (names may contain '/').
std::string Segment(const std::string& text) { return PercentEncode(text, "@:"); }

Result<std::string> ReadText(const po::variables_map& vm, const char* option, size_t max) {
  if (!vm.count(option))
    return Error{ErrorCode::kMalformedRequest, std::string("--") + option + " is required"};
  return ReadTextFile(vm[option].as<std::string>(), max);
}

std::string VersionBody(const po::variables_map& vm) {
  return json::serialize(json::object{{"version", vm["version"].as<int>()}});
}

// --purpose and --attestation-required, as members of a key creation or import body.
Status AddKeyOptions(const po::variables_map& vm, json::object& body) {
  if (vm.count("purpose")) body["purpose"] = vm["purpose"].as<std::string>();
  if (!vm.count("attestation-required")) return Ok();
  const std::string& required = vm["attestation-required"].as<std::string>();
  if (required != "true" && required != "false") {
    return Error{ErrorCode::kMalformedRequest, "--attestation-required is true or false"};
  }
  body["attestation_required"] = required == "true";
  return Ok();
}

Result<Call> KeyCall(const std::string& verb, const std::vector<std::string>& args,
                     const po::variables_map& vm) {
  const std::string target = "/v1/admin/keys/" + (args.size() > 2 ? Segment(args[2]) : "");
  if (verb == "list") return Call{"GET", "/v1/admin/keys", ""};
  if (args.size() < 3) return Error{ErrorCode::kMalformedRequest, "keys " + verb + " needs ID"};
  if (verb == "create" || verb == "set-attestation") {
    json::object body;
    if (auto s = AddKeyOptions(vm, body); !s) return std::move(s).error();
    if (verb == "create") {
      body["id"] = args[2];
      return Call{"POST", "/v1/admin/keys", json::serialize(body)};
    }
    if (!body.contains("attestation_required") || body.contains("purpose")) {
      return Error{ErrorCode::kMalformedRequest, "set-attestation needs --attestation-required"};
    }
    return Call{"POST", target + "/attestation", json::serialize(body)};
  }
  if (verb == "get") return Call{"GET", target, ""};
  if (verb == "attestation") return Call{"GET", target + "/attestation", ""};
  if (verb == "approve-attestation" && vm.count("version")) {
    return Call{"POST", target + "/attestation/approve", VersionBody(vm)};
  }
  if (verb == "import-parameters") return Call{"GET", target + "/import-parameters", ""};
  if (verb == "rotate" || verb == "enable" || verb == "disable") {
    return Call{"POST", target + "/" + verb, ""};
  }
  return Error{ErrorCode::kMalformedRequest, "unknown or incomplete keys command"};
}

Result<Call> GrantCall(const std::string& verb, const std::vector<std::string>& args,
                       const po::variables_map& vm) {
  if (verb == "list") return Call{"GET", "/v1/admin/grants", ""};
  if (verb == "create" && args.size() > 2 && vm.count("key-id") && vm.count("operations")) {
    json::array operations;
    for (const auto& op : SplitList(vm["operations"].as<std::string>()))
      operations.emplace_back(op);
    json::object body{{"principal", args[2]},
                      {"key", vm["key-id"].as<std::string>()},
                      {"operations", std::move(operations)}};
    return Call{"POST", "/v1/admin/grants", json::serialize(body)};
  }
  if ((verb == "approve" || verb == "revoke") && args.size() > 2) {
    return Call{"POST", "/v1/admin/grants/" + Segment(args[2]) + "/" + verb, ""};
  }
  return Error{ErrorCode::kMalformedRequest, "unknown or incomplete grants command"};
}

// A client certificate binding: the certificate's PEM goes to the broker, which reads it.
Result<Call> ClientCertCall(const std::string& verb, const std::vector<std::string>& args,
                            const po::variables_map& vm) {
  if (verb == "list") return Call{"GET", "/v1/admin/client-certificates", ""};
  if (verb == "add" && args.size() > 2) {
    auto pem = ReadText(vm, "file", 16 * 1024);
    if (!pem) return std::move(pem).error();
    return Call{"POST", "/v1/admin/principals/" + Segment(args[2]) + "/client-certificates",
                json::serialize(json::object{{"certificate", *pem}})};
  }
  if ((verb == "approve" || verb == "revoke") && args.size() > 2) {
    return Call{"POST", "/v1/admin/client-certificates/" + Segment(args[2]) + "/" + verb, ""};
  }
  return Error{ErrorCode::kMalformedRequest, "unknown or incomplete client-certs command"};
}

Result<Call> ReferenceCreate(const po::variables_map& vm) {
  auto text = ReadText(vm, "file", 64 * 1024);
  if (!text) return std::move(text).error();
  std::string path = vm["file"].as<std::string>();
  bool is_json = text->find_first_not_of(" \t\r\n") != std::string::npos &&
                 (*text)[text->find_first_not_of(" \t\r\n")] == '{';
  if (!is_json) return Call{"POST", "/v1/admin/references", *text, "text/yaml"};
  std::string name =
      vm.count("name") ? vm["name"].as<std::string>() : std::filesystem::path(path).stem().string();
  std::string target = "/v1/admin/references?name=" + Segment(name);
  if (vm.count("source")) target += "&source=" + Segment(vm["source"].as<std::string>());
  return Call{"POST", target, *text, "application/json"};
}

Result<Call> PolicyPut(const po::variables_map& vm) {
  auto text = ReadText(vm, "file", policy::kMaxPolicySize);
  if (!text) return std::move(text).error();
  auto parsed = policy::ParsePolicy(*text);
  if (!parsed) return Error{ErrorCode::kMalformedRequest, parsed.error().message};
  return Call{"PUT", "/v1/admin/policies/" + Segment(parsed->name), *text, "text/yaml"};
}

Result<Call> PolicyEvaluate(const std::string& name, const po::variables_map& vm) {
  if (!vm.count("evidence")) return Error{ErrorCode::kMalformedRequest, "--evidence is required"};
  auto document = ReadEvidenceFile(vm["evidence"].as<std::string>());
  if (!document) return std::move(document).error();
  json::object body{{"evidence", json::object{{"type", vm["type"].as<std::string>()},
                                              {"document", Base64Encode(*document)}}}};
  if (vm.count("version")) body["version"] = vm["version"].as<int>();
  if (vm.count("at")) body["at"] = vm["at"].as<std::string>();
  return Call{"POST", "/v1/admin/policies/" + Segment(name) + ":evaluate", json::serialize(body)};
}

Result<Call> AkRegister(const po::variables_map& vm) {
  auto text = ReadText(vm, "file", 64 * 1024);
  if (!text) return std::move(text).error();
  bool pem = text->find("-----BEGIN") != std::string::npos;
  json::object body{{"public_key", pem ? *text : Base64Encode(AsBytes(*text))}};
  if (vm.count("description")) body["description"] = vm["description"].as<std::string>();
  return Call{"POST", "/v1/admin/attestation-keys", json::serialize(body)};
}

// The request for every command but `keys import` (two calls) and `bootstrap` (offline).
Result<Call> BuildCall(const std::vector<std::string>& args, const po::variables_map& vm) {
  const std::string resource = args.size() > 0 ? args[0] : "";
  const std::string verb = args.size() > 1 ? args[1] : "";
  const std::string arg = args.size() > 2 ? Segment(args[2]) : "";
  const bool has_arg = args.size() > 2, has_version = vm.count("version") > 0;
  if (resource == "whoami") return Call{"GET", "/v1/admin/whoami", ""};
  if (resource == "pending") return Call{"GET", "/v1/admin/pending", ""};
  if (resource == "principals" && verb == "list") return Call{"GET", "/v1/admin/principals", ""};
  if (resource == "principals" && verb == "create" && has_arg && vm.count("roles")) {
    json::array roles;
    for (const auto& role : SplitList(vm["roles"].as<std::string>())) roles.emplace_back(role);
    return Call{"POST", "/v1/admin/principals",
                json::serialize(json::object{{"name", args[2]}, {"roles", roles}})};
  }
  if (resource == "principals" && (verb == "approve" || verb == "disable") && has_arg) {
    return Call{"POST", "/v1/admin/principals/" + arg + "/" + verb, ""};
  }
  if (resource == "tokens" && verb == "list") return Call{"GET", "/v1/admin/tokens", ""};
  if (resource == "tokens" && verb == "create" && has_arg) {
    json::object body;
    if (vm.count("ttl")) body["ttl"] = vm["ttl"].as<std::string>();
    return Call{"POST", "/v1/admin/principals/" + arg + "/tokens", json::serialize(body)};
  }
  if (resource == "tokens" && (verb == "approve" || verb == "revoke") && has_arg) {
    return Call{"POST", "/v1/admin/tokens/" + arg + "/" + verb, ""};
  }
  if (resource == "access-keys" && verb == "list") {
    return Call{"GET", "/v1/admin/access-keys", ""};
  }
  if (resource == "access-keys" && verb == "create" && has_arg) {
    return Call{"POST", "/v1/admin/principals/" + arg + "/access-keys", ""};
  }
  if (resource == "access-keys" && (verb == "approve" || verb == "revoke") && has_arg) {
    return Call{"POST", "/v1/admin/access-keys/" + arg + "/" + verb, ""};
  }
  if (resource == "client-certs") return ClientCertCall(verb, args, vm);
  if (resource == "references") {
    if (verb == "create") return ReferenceCreate(vm);
    if (verb == "list") return Call{"GET", "/v1/admin/references", ""};
    if (verb == "get" && has_arg) return Call{"GET", "/v1/admin/references/" + arg, ""};
    if ((verb == "revoke" || verb == "reinstate" || verb == "approve") && has_arg) {
      return Call{"POST", "/v1/admin/references/" + arg + "/" + verb, ""};
    }
  }
  if (resource == "policies") {
    if (verb == "put") return PolicyPut(vm);
    if (verb == "list") return Call{"GET", "/v1/admin/policies", ""};
    if (verb == "get" && has_arg) {
      std::string query = has_version ? "?version=" + std::to_string(vm["version"].as<int>()) : "";
      return Call{"GET", "/v1/admin/policies/" + arg + query, ""};
    }
    if (verb == "versions" && has_arg) {
      return Call{"GET", "/v1/admin/policies/" + arg + "/versions", ""};
    }
    if ((verb == "approve" || verb == "activate") && has_arg && has_version) {
      return Call{"POST", "/v1/admin/policies/" + arg + "/" + verb, VersionBody(vm)};
    }
    if (verb == "deactivate" && has_arg) {
      return Call{"POST", "/v1/admin/policies/" + arg + "/deactivate", ""};
    }
    if (verb == "evaluate" && has_arg) return PolicyEvaluate(args[2], vm);
  }
  if (resource == "keys") return KeyCall(verb, args, vm);
  if (resource == "grants") return GrantCall(verb, args, vm);
  if (resource == "aks") {
    if (verb == "register") return AkRegister(vm);
    if (verb == "list") return Call{"GET", "/v1/admin/attestation-keys", ""};
    if ((verb == "approve" || verb == "revoke") && has_arg) {
      return Call{"POST", "/v1/admin/attestation-keys/" + arg + "/" + verb, ""};
    }
  }
  if (resource == "audit" && verb == "verify") return Call{"GET", "/v1/admin/audit/verify", ""};
  if (resource == "audit" && verb == "list") {
    std::string query = "?after=" + std::to_string(vm["after"].as<uint64_t>()) +
                        "&limit=" + std::to_string(vm["limit"].as<int>());
    return Call{"GET", "/v1/admin/audit" + query, ""};
  }
  return Error{ErrorCode::kMalformedRequest, "unknown or incomplete admin command"};
}

struct Connection {
  std::string url;
  api::ClientOptions client;
};

// Sends a call; the answer's JSON object and HTTP status.
Result<std::pair<int, json::object>> Send(const Connection& c, const Call& call) {
  api::ClientOptions client = c.client;
  client.content_type = call.content_type;
  auto response = api::HttpsRequest(c.url, call.method, call.target, call.body, client);
  if (!response) return std::move(response).error();
  boost::system::error_code ec;
  json::value parsed = json::parse(response->body, ec);
  if (ec || !parsed.is_object()) return Error{ErrorCode::kInternal, "server answered non-JSON"};
  return std::make_pair(response->status, std::move(parsed.as_object()));
}

// Import without the secret on the wire: fetch one-time parameters, wrap the secret here to
// their RSA-3072 key with RSAES-OAEP-SHA-256, send only the wrapped form.
Result<Call> ImportCall(const Connection& c, const std::string& id, const po::variables_map& vm,
                        int* status, json::object* failure) {
  if (!vm.count("file")) return Error{ErrorCode::kMalformedRequest, "--file is required"};
  auto secret = ReadFile(vm["file"].as<std::string>(), 4096);
  if (!secret) return std::move(secret).error();
  SecretBytes material(*secret);
  std::fill(secret->begin(), secret->end(), 0);
  auto params = Send(c, {"GET", "/v1/admin/keys/" + Segment(id) + "/import-parameters", ""});
  if (!params) return std::move(params).error();
  if (params->first != 200) {
    *status = params->first;
    *failure = std::move(params->second);
    return Error{ErrorCode::kInternal, "import-parameters refused"};
  }
  const json::object& p = params->second;
  const json::value* der_text = p.if_contains("public_key");
  const json::value* token = p.if_contains("import_token");
  auto der = der_text && der_text->is_string() ? Base64Decode(der_text->as_string())
                                               : std::optional<Bytes>();
  if (!der || token == nullptr || !token->is_string()) {
    return Error{ErrorCode::kInternal, "malformed import parameters"};
  }
  const unsigned char* cursor = der->data();
  OsslPtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &cursor, long(der->size())));
  if (!key) return Error{ErrorCode::kInternal, OsslErrorString("wrapping key")};
  auto wrapped = broker::OaepSha256Encrypt(key.get(), material.span());
  if (!wrapped) return std::move(wrapped).error();
  json::object body{{"import_token", token->as_string()},
                    {"encrypted_key_material", Base64Encode(*wrapped)}};
  if (auto s = AddKeyOptions(vm, body); !s) return std::move(s).error();
  return Call{"POST", "/v1/admin/keys/" + Segment(id) + "/import", json::serialize(body)};
}

po::options_description AdminOptions() {
  po::options_description options("admin options");
  options.add_options()("args", po::value<std::vector<std::string>>(), "resource verb [ARG]")(
      "url", po::value<std::string>()->default_value("https://127.0.0.1:8443"), "broker URL")(
      "token", po::value<std::string>(), "bearer token (default: $KEYBROKER_TOKEN)")(
      "ca", po::value<std::string>(), "CA certificate (PEM) that signed the broker's")(
      "cert", po::value<std::string>(), "admin client certificate (PEM), instead of a token")(
      "key", po::value<std::string>(), "its private key (PEM)")("json", po::bool_switch(),
                                                                "print the answer as JSON")(
      "file", po::value<std::string>(), "input file")("name", po::value<std::string>(),
                                                      "reference name for AWS tool JSON")(
      "source", po::value<std::string>(), "where a reference's values came from")(
      "roles", po::value<std::string>(), "comma-separated roles")(
      "version", po::value<int>(), "policy version")("evidence", po::value<std::string>(),
                                                     "attestation document (raw or base64)")(
      "type", po::value<std::string>()->default_value("auto"), "evidence type")(
      "at", po::value<std::string>(), "evaluate at this RFC 3339 time")(
      "ttl", po::value<std::string>(), "token lifetime, e.g. 24h")(
      "description", po::value<std::string>(), "attestation key description")(
      "after", po::value<uint64_t>()->default_value(0), "audit rows after this seq")(
      "limit", po::value<int>()->default_value(100), "at most this many audit rows")(
      "db", po::value<std::string>(), "database file (bootstrap)")(
      "admins", po::value<std::string>(), "bootstrap: the first admins' names, comma-separated")(
      "kek", po::value<std::string>(),
      "KEK file (bootstrap; needed once the audit chain is keyed)")(
      "purpose", po::value<std::string>(), "key purpose: release (default) or kms")(
      "attestation-required", po::value<std::string>(), "kms key: true (default) or false")(
      "key-id", po::value<std::string>(), "grant: the kms key (ID or alias/ID)")(
      "operations", po::value<std::string>(), "grant: comma-separated KMS operations");
  return options;
}

int Print(int status, const json::object& answer, bool as_json) {
  if (as_json) {
    PrintJson(answer);
  } else {
    std::cout << FormatForPeople(answer);
  }
  // A dry run that denies is a rejection too, as for `keybroker policy eval`.
  const json::value* decision = answer.if_contains("decision");
  bool denied = decision != nullptr && *decision == "deny";
  return status >= 200 && status < 300 && !denied ? kExitOk : kExitRejected;
}

}  // namespace

int RunAdmin(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options = AdminOptions();
  po::positional_options_description positional;
  positional.add("args", -1);
  auto parsed = ParseOptions(argc, argv, options, kUsage, &positional);
  if (!parsed) return kExitUsage;
  const po::variables_map& vm = *parsed;
  std::vector<std::string> args;
  if (vm.count("args")) args = vm["args"].as<std::vector<std::string>>();
  if (args.empty() || args[0] == "help") return UsageError(kUsage);
  bool as_json = vm["json"].as<bool>();
  if (args[0] == "bootstrap") return RunAdminBootstrap(vm, clock, as_json);
  Connection c{vm["url"].as<std::string>(), {}};
  if (vm.count("ca")) c.client.ca_file = vm["ca"].as<std::string>();
  if (vm.count("cert") != vm.count("key")) return UsageError("--cert and --key go together");
  if (vm.count("cert")) {
    c.client.client_certificate_file = vm["cert"].as<std::string>();
    c.client.client_key_file = vm["key"].as<std::string>();
  }
  if (vm.count("token")) {
    c.client.bearer_token = vm["token"].as<std::string>();
  } else if (const char* env = std::getenv("KEYBROKER_TOKEN")) {
    c.client.bearer_token = env;
  }
  Result<Call> call = Error{ErrorCode::kInternal, ""};
  if (args[0] == "keys" && args.size() == 3 && args[1] == "import") {
    int status = 0;
    json::object failure;
    call = ImportCall(c, args[2], vm, &status, &failure);
    if (status != 0) return Print(status, failure, as_json);
  } else {
    call = BuildCall(args, vm);
  }
  if (!call) {
    if (call.error().code == ErrorCode::kMalformedRequest) {
      return UsageError(call.error().message + "\n" + kUsage);
    }
    return UsageError(call.error().message);
  }
  auto answer = Send(c, *call);
  if (!answer) return UsageError(answer.error().message);
  return Print(answer->first, answer->second, as_json);
}

}  // namespace kb::cli
