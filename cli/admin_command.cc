#include "cli/admin_command.h"

#include <openssl/x509.h>

#include <boost/json.hpp>
#include <cassert>
#include <filesystem>
#include <iostream>

#include "api/https_client.h"
#include "api/routes.h"
#include "broker/keys/rsa_oaep.h"
#include "cli/admin_bootstrap.h"
#include "cli/admin_command_line.h"
#include "cli/admin_help.h"
#include "cli/admin_options.h"
#include "cli/admin_output.h"
#include "cli/cli_io.h"
#include "cli/help.h"
#include "cli/options.h"
#include "common/encoding.h"
#include "crypto/ossl.h"
#include "policy/policy_parser.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;
namespace json = boost::json;

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

// The request of the command `words` for ARG `arg`. REQUIRES: `words` are in the route table.
Call CommandCall(std::string_view words, const std::string& arg, std::string body = "") {
  const api::RouteEntry* route = api::FindCliCommand(words);
  assert(route != nullptr);
  return Call{std::string(route->method), api::FillPattern(route->pattern, Segment(arg)),
              std::move(body)};
}

// The completions below turn a command's options into its route's body or query.

// RunAdmin has checked that the required options (admin_options.cc) are there.

Result<Call> PrincipalCreate(const CommandInput& in) {
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
  auto name = policy::ParsePolicyOfEitherKind(*text);
  if (!name) {
    return Error{ErrorCode::kMalformedRequest,
                 in.vm["file"].as<std::string>() + ": " + name.error().message};
  }
  return Call{std::string(in.route.method), api::FillPattern(in.route.pattern, Segment(*name)),
              *text, "text/yaml"};
}

Result<Call> PolicyGet(const CommandInput& in) {
  if (!in.vm.count("version")) return in.Request(in.Target());
  return in.Request(in.Target() + "?version=" + std::to_string(in.vm["version"].as<int>()));
}

// approve and activate of a policy version, approve-attestation of a key: {"version": V}.
Result<Call> WithVersion(const CommandInput& in) {
  return in.Request(in.Target(), VersionBody(in.vm));
}

Result<Call> PolicyEvaluate(const CommandInput& in) {
  const po::variables_map& vm = in.vm;
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
  if (body.contains("purpose")) {
    return Error{ErrorCode::kMalformedRequest,
                 "a key's purpose cannot change; leave out --purpose"};
  }
  return in.Request(in.Target(), json::serialize(body));
}

Result<Call> GrantCreate(const CommandInput& in) {
  const po::variables_map& vm = in.vm;
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
    {"grants create", GrantCreate},
    {"aks register", AkRegister},
    {"audit list", AuditList},
};

// The request for every command but `keys import` (two calls) and `bootstrap` (offline).
// REQUIRES: CheckAdminCommandLine(*route, args, vm) passed.
Result<Call> BuildCall(const api::RouteEntry* route, const std::vector<std::string>& args,
                       const po::variables_map& vm) {
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
// their RSA-3072 key with RSAES-OAEP and the hash they name (SHA-256; SHA-1 for a PKCS#11 token
// that offers no other), send only the wrapped form.
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
  const json::value* algorithm = p.if_contains("wrapping_algorithm");
  const EVP_MD* md = nullptr;
  if (algorithm && *algorithm == "RSAES_OAEP_SHA_256") md = EVP_sha256();
  if (algorithm && *algorithm == "RSAES_OAEP_SHA_1") md = EVP_sha1();
  auto der = der_text && der_text->is_string() ? Base64Decode(der_text->as_string())
                                               : std::optional<Bytes>();
  if (!der || token == nullptr || !token->is_string() || md == nullptr) {
    return Error{ErrorCode::kInternal, "malformed import parameters"};
  }
  const unsigned char* cursor = der->data();
  OsslPtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &cursor, long(der->size())));
  if (!key) return Error{ErrorCode::kInternal, OsslErrorString("wrapping key")};
  auto wrapped = broker::OaepEncrypt(key.get(), material.span(), md);
  if (!wrapped) return std::move(wrapped).error();
  json::object body{{"import_token", token->as_string()},
                    {"encrypted_key_material", Base64Encode(*wrapped)}};
  if (auto s = AddKeyOptions(vm, body); !s) return std::move(s).error();
  return CommandCall("keys import", id, json::serialize(body));
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

// The broker and the credential: flags, else KEYBROKER_URL, KEYBROKER_CA, KEYBROKER_TOKEN.
Result<Connection> Connect(const po::variables_map& vm) {
  Connection c{FlagOrEnvironment(vm, "url", "KEYBROKER_URL").value_or("https://127.0.0.1:8443"),
               {}};
  c.client.ca_file = FlagOrEnvironment(vm, "ca", "KEYBROKER_CA").value_or("");
  if (vm.count("cert") != vm.count("key")) {
    return Error{ErrorCode::kMalformedRequest, "--cert and --key go together"};
  }
  if (vm.count("cert")) {
    c.client.client_certificate_file = vm["cert"].as<std::string>();
    c.client.client_key_file = vm["key"].as<std::string>();
  }
  c.client.bearer_token = FlagOrEnvironment(vm, "token", "KEYBROKER_TOKEN").value_or("");
  return c;
}

}  // namespace

int RunAdmin(int argc, const char* const* argv, const Clock& clock) {
  if (auto help = AnswerAdminHelp(argc, argv)) return *help;
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>());
  po::options_description options;
  options.add(AdminConnectionOptions()).add(AdminCommandOptions()).add(hidden);
  po::positional_options_description positional;
  positional.add("args", -1);
  auto parsed = ParseOptions(argc, argv, options,
                             "keybroker admin <resource> <verb> [ARG] [options]", &positional);
  if (!parsed) return parsed.exit_code();
  const po::variables_map& vm = *parsed;
  std::vector<std::string> args;
  if (vm.count("args")) args = vm["args"].as<std::vector<std::string>>();
  if (args.empty()) {
    return UsageErrorFor("keybroker admin", "which command? e.g. keybroker admin whoami");
  }
  bool as_json = vm["json"].as<bool>();
  if (args[0] == "bootstrap") {
    if (!vm.count("db")) return UsageErrorFor("keybroker admin bootstrap", "missing --db FILE");
    return RunAdminBootstrap(vm, clock, as_json);
  }
  const api::RouteEntry* route = FindAdminCommand(args);
  if (route == nullptr) return UnknownAdminCommand(args);
  if (int exit = CheckAdminCommandLine(*route, args, vm); exit != kExitOk) return exit;
  std::string command = AdminCommandName(*route);
  auto c = Connect(vm);
  if (!c) return UsageErrorFor(command, c.error().message);
  if (route->cli_words == "tokens create" && !vm.count("ttl")) {
    std::cerr << "keybroker: note: without --ttl this token never expires; revoke it with "
                 "'keybroker admin tokens revoke ID' when it is no longer needed\n";
  }
  Result<Call> call = Error{ErrorCode::kInternal, ""};
  if (route->cli_words == "keys import") {
    int status = 0;
    json::object failure;
    call = ImportCall(*c, args[2], vm, &status, &failure);
    if (status != 0) return Print(status, failure, as_json);
  } else {
    call = BuildCall(route, args, vm);
  }
  if (!call && call.error().code == ErrorCode::kMalformedRequest) {
    return UsageErrorFor(command, call.error().message);
  }
  if (!call) return CallError(call.error());
  auto answer = Send(*c, *call);
  if (!answer) return CallError(answer.error());
  return Print(answer->first, answer->second, as_json);
}

}  // namespace kb::cli
