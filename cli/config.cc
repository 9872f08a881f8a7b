#include "cli/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "cli/cli_io.h"
#include "common/duration.h"
#include "common/yaml_util.h"

namespace kb::cli {
namespace {

constexpr size_t kMaxConfigSize = 1 << 20;

Result<std::chrono::seconds> ParseDurationNode(const YAML::Node& node) {
  auto duration = ParseDuration(node.as<std::string>());
  if (!duration) return YamlError(node, "expected a duration like 300s, 5m or 1h");
  return *duration;
}

Status ReadListen(const YAML::Node& node, Config& config) {
  if (auto s = CheckYamlKeys(node, {"address", "port"}); !s) return s;
  if (node["address"]) config.listen_address = node["address"].as<std::string>();
  if (node["port"]) config.listen_port = node["port"].as<int>();
  return Ok();
}

Status ReadTls(const YAML::Node& node, Config& config) {
  if (auto s = CheckYamlKeys(node, {"certificate", "private_key"}); !s) return s;
  if (node["certificate"]) config.tls_certificate = node["certificate"].as<std::string>();
  if (node["private_key"]) config.tls_private_key = node["private_key"].as<std::string>();
  return Ok();
}

Result<Config> ReadConfig(const YAML::Node& root) {
  Config config;
  if (root.IsNull()) return config;
  if (auto s = CheckYamlKeys(
          root, {"listen", "workers", "data_dir", "database", "kek_file", "tls", "trust_roots",
                 "tpm_attestation_keys", "bootstrap_dir", "nonce_ttl", "log_level",
                 "approvals_required", "certificate_cache_size", "durability", "admin_client_ca"});
      !s) {
    return std::move(s).error();
  }
  if (root["listen"]) {
    if (auto s = ReadListen(root["listen"], config); !s) return std::move(s).error();
  }
  if (root["tls"]) {
    if (auto s = ReadTls(root["tls"], config); !s) return std::move(s).error();
  }
  if (root["workers"]) config.workers = root["workers"].as<int>();
  if (root["approvals_required"]) {
    config.approvals_required = root["approvals_required"].as<int>();
  }
  if (root["certificate_cache_size"]) {
    config.certificate_cache_size = root["certificate_cache_size"].as<int>();
  }
  if (root["admin_client_ca"]) config.admin_client_ca = root["admin_client_ca"].as<std::string>();
  if (root["durability"]) config.durability = root["durability"].as<std::string>();
  if (root["data_dir"]) config.data_dir = root["data_dir"].as<std::string>();
  if (root["database"]) config.database = root["database"].as<std::string>();
  if (root["kek_file"]) config.kek_file = root["kek_file"].as<std::string>();
  if (root["trust_roots"]) {
    config.trust_roots = root["trust_roots"].as<std::vector<std::string>>();
  }
  if (root["tpm_attestation_keys"]) {
    config.tpm_attestation_keys = root["tpm_attestation_keys"].as<std::vector<std::string>>();
  }
  if (root["bootstrap_dir"]) config.bootstrap_dir = root["bootstrap_dir"].as<std::string>();
  if (root["nonce_ttl"]) {
    auto ttl = ParseDurationNode(root["nonce_ttl"]);
    if (!ttl) return std::move(ttl).error();
    config.nonce_ttl = *ttl;
  }
  if (root["log_level"]) config.log_level = root["log_level"].as<std::string>();
  return config;
}

}  // namespace

Status Config::Validate() {
  if (listen_port < 0 || listen_port > 65535) {
    return Error{ErrorCode::kMalformedRequest, "listen.port must be 0..65535"};
  }
  if (certificate_cache_size < 0 || certificate_cache_size > 1000000) {
    return Error{ErrorCode::kMalformedRequest, "certificate_cache_size must be 0..1000000"};
  }
  if (durability != "full" && durability != "normal") {
    return Error{ErrorCode::kMalformedRequest, "durability must be full or normal"};
  }
  if (approvals_required < 1 || approvals_required > 10) {
    return Error{ErrorCode::kMalformedRequest, "approvals_required must be 1..10"};
  }
  if (workers < 0 || workers > 256) {
    return Error{ErrorCode::kMalformedRequest, "workers must be 0..256"};
  }
  if (nonce_ttl.count() < 1 || nonce_ttl > std::chrono::hours(1)) {
    return Error{ErrorCode::kMalformedRequest, "nonce_ttl must be between 1s and 1h"};
  }
  if (tls_certificate.empty() != tls_private_key.empty()) {
    return Error{ErrorCode::kMalformedRequest,
                 "tls.certificate and tls.private_key are set together or not at all"};
  }
  static const std::set<std::string> kLevels = {"debug", "info", "warning", "error"};
  if (!kLevels.count(log_level)) {
    return Error{ErrorCode::kMalformedRequest, "log_level must be debug|info|warning|error"};
  }
  if (data_dir.empty()) return Error{ErrorCode::kMalformedRequest, "data_dir must be set"};
  if (database.empty()) database = data_dir + "/keybroker.db";
  if (kek_file.empty()) kek_file = data_dir + "/kek.bin";
  return Ok();
}

Result<Config> ParseConfig(const std::string& yaml_text) {
  // yaml-cpp reports errors by exception; this is the one place they are caught.
  try {
    auto config = ReadConfig(YAML::Load(yaml_text));
    if (!config) return config;
    if (auto s = config->Validate(); !s) return std::move(s).error();
    return config;
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kMalformedRequest,
                 "line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

Result<Config> LoadConfig(const std::string& path) {
  auto text = ReadFile(path, kMaxConfigSize);
  if (!text) return std::move(text).error();
  auto config = ParseConfig(std::string(text->begin(), text->end()));
  if (!config) return Error{config.error().code, path + ": " + config.error().message};
  return config;
}

}  // namespace kb::cli
