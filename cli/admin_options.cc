#include "cli/admin_options.h"

#include <boost/program_options.hpp>
#include <cstdint>

namespace kb::cli {
namespace {

namespace po = boost::program_options;

// Every command that reads options beyond the connection's. tests/cli/admin_help_test.cc
// checks that each names only options of AdminCommandOptions and a command of the route table.
constexpr AdminCommandOptionNames kCommandOptions[] = {
    {"bootstrap", "db", "admins roles ttl kek"},
    {"principals create", "roles", ""},
    {"tokens create", "", "ttl"},
    {"client-certs add", "file", ""},
    {"references create", "file", "name source"},
    {"policies put", "file", ""},
    {"policies get", "", "version"},
    {"policies approve", "version", ""},
    {"policies activate", "version", ""},
    {"policies evaluate", "evidence", "type version at"},
    {"keys create", "", "purpose attestation-required"},
    {"keys import", "file", "purpose attestation-required"},
    {"keys set-attestation", "attestation-required", ""},
    {"keys approve-attestation", "version", ""},
    {"grants create", "key-id operations", ""},
    {"aks register", "file", "description"},
    {"audit list", "", "after limit"},
};

}  // namespace

po::options_description AdminConnectionOptions() {
  po::options_description options("connection options");
  options.add_options()(
      "url", po::value<std::string>(),
      "the broker, https://HOST:PORT (default: $KEYBROKER_URL, else https://127.0.0.1:8443)")(
      "ca", po::value<std::string>(),
      "CA certificate that signed the broker's, e.g. <data_dir>/tls/cert.pem (default: "
      "$KEYBROKER_CA)")("token", po::value<std::string>(),
                        "bearer token (default: $KEYBROKER_TOKEN)")(
      "cert", po::value<std::string>(),
      "admin client certificate for mutual TLS, instead of a token (with --key)")(
      "key", po::value<std::string>(), "the client certificate's private key")(
      "json", po::bool_switch(), "print the answer as JSON");
  return options;
}

po::options_description AdminCommandOptions() {
  po::options_description options("command options");
  options.add_options()("file", po::value<std::string>(),
                        "the input: policy YAML, reference YAML/JSON, certificate, key, AK")(
      "roles", po::value<std::string>(),
      "comma-separated roles: admin, key-manager, policy-author, approver, auditor, kms-user, "
      "xks-proxy")(
      "ttl", po::value<std::string>(),
      "token lifetime, e.g. 8h or 90m; without it a token never expires (bootstrap: 24h)")(
      "version", po::value<int>(), "the version of the policy, or of the key's attestation change")(
      "name", po::value<std::string>(),
      "the reference's name, for JSON from AWS tools (default: the file's stem)")(
      "source", po::value<std::string>(), "where a reference's values came from")(
      "evidence", po::value<std::string>(), "attestation document (raw CBOR or base64)")(
      "type", po::value<std::string>()->default_value("auto"),
      "evidence type: auto, nitro-enclave, nitro-tpm or tpm2-quote")(
      "at", po::value<std::string>(), "evaluate at this RFC 3339 time instead of now")(
      "description", po::value<std::string>(), "what the attestation key belongs to")(
      "after", po::value<uint64_t>()->default_value(0), "audit rows after this sequence number")(
      "limit", po::value<int>()->default_value(100), "at most this many audit rows")(
      "purpose", po::value<std::string>(),
      "release (default: released to attested workloads) "
      "or kms (serves the KMS API only)")(
      "attestation-required", po::value<std::string>(),
      "kms key: true (default) or false (granted kms-users get plaintext without a Recipient)")(
      "key-id", po::value<std::string>(), "the kms key of the grant (ID or alias/ID)")(
      "operations", po::value<std::string>(),
      "comma-separated KMS operations, e.g. Encrypt,Decrypt,GenerateDataKey")(
      "db", po::value<std::string>(),
      "the broker's database: a SQLite file or a postgresql:// URL")(
      "admins", po::value<std::string>(),
      "the first admins' names, comma-separated; N for approvals_required: N (default: admin)")(
      "kek", po::value<std::string>(), "KEK file; needed once the audit chain is keyed");
  return options;
}

AdminCommandOptionNames FindAdminCommandOptions(std::string_view words) {
  for (const AdminCommandOptionNames& command : kCommandOptions) {
    if (command.words == words) return command;
  }
  return {words, "", ""};
}

std::vector<std::string> OptionNameList(std::string_view names) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < names.size()) {
    size_t end = std::min(names.find(' ', start), names.size());
    if (end > start) out.emplace_back(names.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace kb::cli
