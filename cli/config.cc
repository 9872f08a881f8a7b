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

Status ReadSeconds(const YAML::Node& node, const char* key, std::chrono::seconds& out) {
  if (!node[key]) return Ok();
  auto value = ParseDurationNode(node[key]);
  if (!value) return std::move(value).error();
  out = *value;
  return Ok();
}

Status ReadLimits(const YAML::Node& node, ConnectionLimits& limits) {
  if (auto s =
          CheckYamlKeys(node, {"max_connections", "max_requests_per_connection", "max_header_bytes",
                               "max_body_bytes", "handshake_timeout", "read_timeout",
                               "write_timeout", "idle_timeout", "shutdown_timeout"});
      !s) {
    return s;
  }
  using IntField = std::pair<const char*, int*>;
  using SecondsField = std::pair<const char*, std::chrono::seconds*>;
  for (auto [key, field] : std::initializer_list<IntField>{
           {"max_connections", &limits.max_connections},
           {"max_requests_per_connection", &limits.max_requests_per_connection},
           {"max_header_bytes", &limits.max_header_bytes},
           {"max_body_bytes", &limits.max_body_bytes}}) {
    if (node[key]) *field = node[key].as<int>();
  }
  for (auto [key, field] :
       std::initializer_list<SecondsField>{{"handshake_timeout", &limits.handshake_timeout},
                                           {"read_timeout", &limits.read_timeout},
                                           {"write_timeout", &limits.write_timeout},
                                           {"idle_timeout", &limits.idle_timeout},
                                           {"shutdown_timeout", &limits.shutdown_timeout}}) {
    if (auto s = ReadSeconds(node, key, *field); !s) return s;
  }
  return Ok();
}

Status ReadRateLimit(const YAML::Node& node, RateLimit& limit) {
  if (auto s = CheckYamlKeys(node, {"per_second", "burst"}); !s) return s;
  if (node["per_second"]) limit.per_second = node["per_second"].as<double>();
  if (node["burst"]) limit.burst = node["burst"].as<double>();
  if (!(limit.per_second >= 0 && limit.per_second <= 1e6 && limit.burst >= 1 &&
        limit.burst <= 1e7)) {
    return YamlError(node, "per_second must be 0..1000000 and burst 1..10000000");
  }
  return Ok();
}

Status ReadRateLimits(const YAML::Node& node, RateLimits& limits) {
  if (auto s = CheckYamlKeys(node, {"per_address", "per_identity", "per_key"}); !s) return s;
  for (auto [key, field] : std::initializer_list<std::pair<const char*, RateLimit*>>{
           {"per_address", &limits.per_address},
           {"per_identity", &limits.per_identity},
           {"per_key", &limits.per_key}}) {
    if (!node[key]) continue;
    if (auto s = ReadRateLimit(node[key], *field); !s) return s;
  }
  return Ok();
}

Result<Config> ReadConfig(const YAML::Node& root) {
  Config config;
  if (root.IsNull()) return config;
  if (auto s = CheckYamlKeys(
          root, {"listen", "workers", "data_dir", "database", "kek_file", "tls", "trust_roots",
                 "tpm_attestation_keys", "bootstrap_dir", "nonce_ttl", "log_level",
                 "approvals_required", "certificate_cache_size", "durability", "admin_client_ca",
                 "limits", "rate_limits", "kms", "audit_sink"});
      !s) {
    return std::move(s).error();
  }
  if (root["listen"]) {
    if (auto s = ReadListen(root["listen"], config); !s) return std::move(s).error();
  }
  if (root["tls"]) {
    if (auto s = ReadTls(root["tls"], config); !s) return std::move(s).error();
  }
  if (root["limits"]) {
    if (auto s = ReadLimits(root["limits"], config.limits); !s) return std::move(s).error();
  }
  if (root["rate_limits"]) {
    if (auto s = ReadRateLimits(root["rate_limits"], config.rate_limits); !s) {
      return std::move(s).error();
    }
  }
  if (const YAML::Node kms = root["kms"]) {
    if (auto s = CheckYamlKeys(kms, {"region", "account_id", "recipient_max_age"}); !s) {
      return std::move(s).error();
    }
    if (kms["region"]) config.kms_region = kms["region"].as<std::string>();
    if (kms["account_id"]) config.kms_account_id = kms["account_id"].as<std::string>();
    if (kms["recipient_max_age"]) {
      auto age = ParseDurationNode(kms["recipient_max_age"]);
      if (!age) return std::move(age).error();
      config.kms_recipient_max_age = *age;
    }
  }
  if (root["workers"]) config.workers = root["workers"].as<int>();
  if (root["approvals_required"]) {
    config.approvals_required = root["approvals_required"].as<int>();
  }
  if (root["certificate_cache_size"]) {
    config.certificate_cache_size = root["certificate_cache_size"].as<int>();
  }
  if (root["admin_client_ca"]) config.admin_client_ca = root["admin_client_ca"].as<std::string>();
  if (root["durability"]) {
    std::string durability = root["durability"].as<std::string>();
    if (durability != "full" && durability != "normal") {
      return Error{ErrorCode::kMalformedRequest, "durability must be full or normal"};
    }
    config.durability =
        durability == "normal" ? storage::Durability::kNormal : storage::Durability::kFull;
  }
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
  if (root["audit_sink"]) config.audit_sink = root["audit_sink"].as<std::string>();
  if (root["nonce_ttl"]) {
    auto ttl = ParseDurationNode(root["nonce_ttl"]);
    if (!ttl) return std::move(ttl).error();
    config.nonce_ttl = *ttl;
  }
  if (root["log_level"]) config.log_level = root["log_level"].as<std::string>();
  return config;
}

Status ValidateLimits(const ConnectionLimits& l) {
  auto bad = [](const std::string& what) {
    return Error{ErrorCode::kMalformedRequest, "limits." + what};
  };
  if (l.max_connections < 1 || l.max_connections > 100000) {
    return bad("max_connections must be 1..100000");
  }
  if (l.max_requests_per_connection < 1) return bad("max_requests_per_connection must be >= 1");
  if (l.max_header_bytes < 1024 || l.max_header_bytes > 1024 * 1024) {
    return bad("max_header_bytes must be 1024..1048576");
  }
  if (l.max_body_bytes < 1024 || l.max_body_bytes > 16 * 1024 * 1024) {
    return bad("max_body_bytes must be 1024..16777216");
  }
  for (auto t : {l.handshake_timeout, l.read_timeout, l.write_timeout, l.idle_timeout}) {
    if (t.count() < 1 || t > std::chrono::hours(1)) return bad("timeouts must be 1s..1h");
  }
  if (l.shutdown_timeout > std::chrono::minutes(10)) {
    return bad("shutdown_timeout must be at most 10m");
  }
  return Ok();
}

}  // namespace

Status Config::Validate() {
  if (listen_port < 0 || listen_port > 65535) {
    return Error{ErrorCode::kMalformedRequest, "listen.port must be 0..65535"};
  }
  if (certificate_cache_size < 0 || certificate_cache_size > 1000000) {
    return Error{ErrorCode::kMalformedRequest, "certificate_cache_size must be 0..1000000"};
  }
  if (approvals_required < 1 || approvals_required > 10) {
    return Error{ErrorCode::kMalformedRequest, "approvals_required must be 1..10"};
  }
  if (approvals_required >= 2 && !bootstrap_dir.empty()) {
    return Error{ErrorCode::kMalformedRequest,
                 "bootstrap_dir is refused when approvals_required is 2 or more: its files would "
                 "take effect on nobody's approval; propose them through the admin API"};
  }
  if (workers < 0 || workers > 256) {
    return Error{ErrorCode::kMalformedRequest, "workers must be 0..256"};
  }
  if (auto s = ValidateLimits(limits); !s) return s;
  if (kms_region.empty() || kms_region.size() > 32 ||
      kms_region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Error{ErrorCode::kMalformedRequest, "kms.region must be like us-east-1"};
  }
  if (kms_account_id.size() != 12 ||
      kms_account_id.find_first_not_of("0123456789") != std::string::npos) {
    return Error{ErrorCode::kMalformedRequest, "kms.account_id must be 12 digits"};
  }
  if (kms_recipient_max_age.count() < 1 || kms_recipient_max_age > std::chrono::hours(1)) {
    return Error{ErrorCode::kMalformedRequest, "kms.recipient_max_age must be between 1s and 1h"};
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
    auto root = LoadOneYamlDocument(yaml_text);
    if (!root) return std::move(root).error();
    auto config = ReadConfig(*root);
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
