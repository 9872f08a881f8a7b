#include "cli/admin_command.h"

#include <openssl/x509.h>

#include <boost/json.hpp>
#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "api/https_client.h"
#include "api/routes.h"
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

// What a command reads: its route, its words and ARG, its options.
struct CommandInput {
  const api::RouteEntry& route;
  const std::vector<std::string>& args;  // resource, verb, ARG, ...
  const po::variables_map& vm;

  const std::string& arg() const { return args[2]; }  // REQUIRES: the route has a cli_arg
  // The route's path with ARG in its "{x}".
  std::string Target() const { return api::FillPattern(route.pattern, Segment(arg())); }
  // A request to the route: JSON `body` to `target`.
  Call Request(std::string target, std::string body = "") const {
    return Call{std::string(route.method), std::move(target), std::move(body)};
  }
};

// An unknown command, or one without what it needs. keys, grants and client-certs name
// themselves; a keys command without its ID says so.
Error Incomplete(const std::vector<std::string>& args) {
  const std::string resource = args.size() > 0 ? args[0] : "";
  const std::string verb = args.size() > 1 ? args[1] : "";
  std::string message = "unknown or incomplete admin command";
  if (resource == "keys" && verb != "list" && args.size() < 3) {
    message = "keys " + verb + " needs ID";
  } else if (resource == "keys" || resource == "grants" || resource == "client-certs") {
    message = "unknown or incomplete " + resource + " command";
  }
  return Error{ErrorCode::kMalformedRequest, message};
}

// The request of the command `words` for ARG `arg`. REQUIRES: `words` are in the route table.
Call CommandCall(std::string_view words, const std::string& arg, std::string body = "") {
  const api::RouteEntry* route = api::FindCliCommand(words);
  assert(route != nullptr);
  return Call{std::string(route->method), api::FillPattern(route->pattern, Segment(arg)),
              std::move(body)};
}

// The completions below turn a command's options into its route's body or query.

Result<Call> PrincipalCreate(const CommandInput& in) {
  if (!in.vm.count("roles")) return Incomplete(in.args);
  json::array roles;
  for (const auto& role : SplitList(in.vm["roles"].as<std::string>())) roles.emplace_back(role);
  return in.Request(std::string(in.route.pattern),
                    json::serialize(json::object{{"name", in.arg()}, {"roles", roles}}));
}

Result<Call> TokenCreate(const CommandInput& in) {
  json::object body;
  if (in.vm.count("ttl")) body["ttl"] = in.vm["ttl"].as<std::string>();
  return in.Request(in.Target(), json::serialize(body));
}

// A client certificate binding: the certificate's PEM goes to the broker, which reads it.
Result<Call> ClientCertAdd(const CommandInput& in) {
  auto pem = ReadText(in.vm, "file", 16 * 1024);
  if (!pem) return std::move(pem).error();
  return in.Request(in.Target(), json::serialize(json::object{{"certificate", *pem}}));
}

Result<Call> ReferenceCreate(const CommandInput& in) {
  const po::variables_map& vm = in.vm;
  auto text = ReadText(vm, "file", 64 * 1024);
  if (!text) return std::move(text).error();
  std::string path = vm["file"].as<std::string>();
  bool is_json = text->find_first_not_of(" \t\r\n") != std::string::npos &&
                 (*text)[text->find_first_not_of(" \t\r\n")] == '{';
  std::string target(in.route.pattern);
  if (!is_json) return Call{std::string(in.route.method), target, *text, "text/yaml"};
  std::string name =
      vm.count("name") ? vm["name"].as<std::string>() : std::filesystem::path(path).stem().string();
  target += "?name=" + Segment(name);
  if (vm.count("source")) target += "&source=" + Segment(vm["source"].as<std::string>());
  return Call{std::string(in.route.method), target, *text, "application/json"};
}

// The policy's name comes from its file.
Result<Call> PolicyPut(const CommandInput& in) {
  auto text = ReadText(in.vm, "file", policy::kMaxPolicySize);
  if (!text) return std::move(text).error();
  auto parsed = policy::ParsePolicy(*text);
  if (!parsed) return Error{ErrorCode::kMalformedRequest, parsed.error().message};
  return Call{std::string(in.route.method),
              api::FillPattern(in.route.pattern, Segment(parsed->name)), *text, "text/yaml"};
}

Result<Call> PolicyGet(const CommandInput& in) {
  if (!in.vm.count("version")) return in.Request(in.Target());
  return in.Request(in.Target() + "?version=" + std::to_string(in.vm["version"].as<int>()));
}

// approve and activate of a policy version, approve-attestation of a key: {"version": V}.
Result<Call> WithVersion(const CommandInput& in) {
  if (!in.vm.count("version")) return Incomplete(in.args);
  return in.Request(in.Target(), VersionBody(in.vm));
}

Result<Call> PolicyEvaluate(const CommandInput& in) {
  const po::variables_map& vm = in.vm;
  if (!vm.count("evidence")) return Error{ErrorCode::kMalformedRequest, "--evidence is required"};
  auto document = ReadEvidenceFile(vm["evidence"].as<std::string>());
  if (!document) return std::move(document).error();
  json::object body{{"evidence", json::object{{"type", vm["type"].as<std::string>()},
                                              {"document", Base64Encode(*document)}}}};
  if (vm.count("version")) body["version"] = vm["version"].as<int>();
  if (vm.count("at")) body["at"] = vm["at"].as<std::string>();
  return in.Request(in.Target(), json::serialize(body));
}

Result<Call> KeyCreate(const CommandInput& in) {
  json::object body;
  if (auto s = AddKeyOptions(in.vm, body); !s) return std::move(s).error();
  body["id"] = in.arg();
  return in.Request(std::string(in.route.pattern), json::serialize(body));
}

Result<Call> KeySetAttestation(const CommandInput& in) {
  json::object body;
  if (auto s = AddKeyOptions(in.vm, body); !s) return std::move(s).error();
  if (!body.contains("attestation_required") || body.contains("purpose")) {
    return Error{ErrorCode::kMalformedRequest, "set-attestation needs --attestation-required"};
  }
  return in.Request(in.Target(), json::serialize(body));
}

// `keys import ID` takes two calls (RunAdmin, ImportCall); with more arguments it is refused.
Result<Call> KeyImport(const CommandInput& in) { return Incomplete(in.args); }

Result<Call> GrantCreate(const CommandInput& in) {
  const po::variables_map& vm = in.vm;
  if (!vm.count("key-id") || !vm.count("operations")) return Incomplete(in.args);
  json::array operations;
  for (const auto& op : SplitList(vm["operations"].as<std::string>())) operations.emplace_back(op);
  json::object body{{"principal", in.arg()},
                    {"key", vm["key-id"].as<std::string>()},
                    {"operations", std::move(operations)}};
  return in.Request(std::string(in.route.pattern), json::serialize(body));
}

Result<Call> AkRegister(const CommandInput& in) {
  auto text = ReadText(in.vm, "file", 64 * 1024);
  if (!text) return std::move(text).error();
  bool pem = text->find("-----BEGIN") != std::string::npos;
  json::object body{{"public_key", pem ? *text : Base64Encode(AsBytes(*text))}};
  if (in.vm.count("description")) body["description"] = in.vm["description"].as<std::string>();
  return in.Request(std::string(in.route.pattern), json::serialize(body));
}

Result<Call> AuditList(const CommandInput& in) {
  std::string query = "?after=" + std::to_string(in.vm["after"].as<uint64_t>()) +
                      "&limit=" + std::to_string(in.vm["limit"].as<int>());
  return in.Request(std::string(in.route.pattern) + query);
}

using Completion = Result<Call> (*)(const CommandInput&);

// The commands whose route needs more than its method and path (the ARG in its "{x}").
constexpr std::pair<std::string_view, Completion> kCompletions[] = {
    {"principals create", PrincipalCreate},
    {"tokens create", TokenCreate},
    {"client-certs add", ClientCertAdd},
    {"references create", ReferenceCreate},
    {"policies put", PolicyPut},
    {"policies get", PolicyGet},
    {"policies approve", WithVersion},
    {"policies activate", WithVersion},
    {"policies evaluate", PolicyEvaluate},
    {"keys create", KeyCreate},
    {"keys set-attestation", KeySetAttestation},
    {"keys approve-attestation", WithVersion},
    {"keys import", KeyImport},
    {"grants create", GrantCreate},
    {"aks register", AkRegister},
    {"audit list", AuditList},
};

// The route of `keybroker admin <resource> <verb>`, or of a one-word command (whoami, pending).
const api::RouteEntry* FindCommand(const std::vector<std::string>& args) {
  if (args.empty()) return nullptr;
  if (const api::RouteEntry* one_word = api::FindCliCommand(args[0])) return one_word;
  if (args.size() < 2) return nullptr;
  return api::FindCliCommand(args[0] + " " + args[1]);
}

// The request for every command but `keys import` (two calls) and `bootstrap` (offline).
Result<Call> BuildCall(const std::vector<std::string>& args, const po::variables_map& vm) {
  const api::RouteEntry* route = FindCommand(args);
  if (route == nullptr || (!route->cli_arg.empty() && args.size() < 3)) return Incomplete(args);
  CommandInput input{*route, args, vm};
  for (const auto& [words, complete] : kCompletions) {
    if (words == route->cli_words) return complete(input);
  }
  if (route->cli_arg.empty()) return input.Request(std::string(route->pattern));
  return input.Request(input.Target());
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
  auto params = Send(c, CommandCall("keys import-parameters", id));
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
  return CommandCall("keys import", id, json::serialize(body));
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
