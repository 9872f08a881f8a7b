#include "cli/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "cli/cli_io.h"
#include "cli/config_fields.h"
#include "cli/config_keystore.h"
#include "cli/config_xks.h"
#include "common/yaml_util.h"
#include "storage/pg/pg_database.h"

namespace kb::cli {
namespace {

constexpr size_t kMaxConfigSize = 1 << 20;

// The first failure among several reads, in the order given. All of them have run (each sets
// only its own field); the error returned is the first in the list.
Status FirstError(std::initializer_list<Status> steps) {
  for (const Status& s : steps) {
    if (!s) return s;
  }
  return Ok();
}

Status ReadListen(const ConfigSection& listen, Config& config) {
  if (auto s = listen.CheckKeys({"address", "port"}); !s) return s;
  return FirstError(
      {listen.String("address", config.listen_address), listen.Int("port", config.listen_port)});
}

Status ReadTls(const ConfigSection& tls, Config& config) {
  if (auto s = tls.CheckKeys({"certificate", "private_key"}); !s) return s;
  return FirstError({tls.String("certificate", config.tls_certificate),
                     tls.String("private_key", config.tls_private_key)});
}

Status ReadLimits(const ConfigSection& node, ConnectionLimits& limits) {
  if (auto s = node.CheckKeys({"max_connections", "max_requests_per_connection", "max_header_bytes",
                               "max_body_bytes", "handshake_timeout", "read_timeout",
                               "write_timeout", "idle_timeout", "shutdown_timeout"});
      !s) {
    return s;
  }
  return FirstError({node.Int("max_connections", limits.max_connections),
                     node.Int("max_requests_per_connection", limits.max_requests_per_connection),
                     node.Int("max_header_bytes", limits.max_header_bytes),
                     node.Int("max_body_bytes", limits.max_body_bytes),
                     node.Seconds("handshake_timeout", limits.handshake_timeout),
                     node.Seconds("read_timeout", limits.read_timeout),
                     node.Seconds("write_timeout", limits.write_timeout),
                     node.Seconds("idle_timeout", limits.idle_timeout),
                     node.Seconds("shutdown_timeout", limits.shutdown_timeout)});
}

Status ReadRateLimit(const ConfigSection& node, RateLimit& limit) {
  if (auto s = node.CheckKeys({"per_second", "burst"}); !s) return s;
  if (auto s = FirstError(
          {node.Number("per_second", limit.per_second), node.Number("burst", limit.burst)});
      !s) {
    return s;
  }
  if (!(limit.per_second >= 0 && limit.per_second <= 1e6 && limit.burst >= 1 &&
        limit.burst <= 1e7)) {
    return Error{ErrorCode::kMalformedRequest,
                 node.path() + ": per_second must be 0..1000000 and burst 1..10000000"};
  }
  return Ok();
}

Status ReadRateLimits(const ConfigSection& node, RateLimits& limits) {
  if (auto s = node.CheckKeys({"per_address", "per_identity", "per_key"}); !s) return s;
  for (auto [key, field] : std::initializer_list<std::pair<const char*, RateLimit*>>{
           {"per_address", &limits.per_address},
           {"per_identity", &limits.per_identity},
           {"per_key", &limits.per_key}}) {
    auto section = node.Section(key);
    if (!section) continue;
    if (auto s = ReadRateLimit(*section, *field); !s) return s;
  }
  return Ok();
}

Status ReadKms(const ConfigSection& kms, Config& config) {
  if (auto s = kms.CheckKeys({"region", "account_id", "recipient_max_age"}); !s) return s;
  return FirstError({kms.String("region", config.kms_region),
                     kms.String("account_id", config.kms_account_id),
                     kms.Seconds("recipient_max_age", config.kms_recipient_max_age)});
}

Status ReadDurability(const ConfigSection& root, Config& config) {
  std::string durability;
  if (auto s = root.String("durability", durability); !s || durability.empty()) return s;
  if (durability != "full" && durability != "normal") {
    return root.ErrorAt("durability", "expected full or normal, got '" + durability + "'");
  }
  config.durability =
      durability == "normal" ? storage::Durability::kNormal : storage::Durability::kFull;
  return Ok();
}

Status ReadSections(const ConfigSection& root, Config& config) {
  if (auto listen = root.Section("listen")) {
    if (auto s = ReadListen(*listen, config); !s) return s;
  }
  if (auto tls = root.Section("tls")) {
    if (auto s = ReadTls(*tls, config); !s) return s;
  }
  if (auto limits = root.Section("limits")) {
    if (auto s = ReadLimits(*limits, config.limits); !s) return s;
  }
  if (auto rate_limits = root.Section("rate_limits")) {
    if (auto s = ReadRateLimits(*rate_limits, config.rate_limits); !s) return s;
  }
  if (auto kms = root.Section("kms")) {
    if (auto s = ReadKms(*kms, config); !s) return s;
  }
  if (auto xks = root.Section("xks")) {
    if (auto s = ReadXks(*xks, config.xks); !s) return s;
  }
  if (auto keystore = root.Section("keystore")) {
    if (auto s = ReadKeystore(*keystore, config.keystore); !s) return s;
  }
  return Ok();
}

Result<Config> ReadConfig(const YAML::Node& node) {
  Config config;
  if (node.IsNull()) return config;
  ConfigSection root(node, "");
  if (auto s = root.CheckKeys({"listen",
                               "workers",
                               "data_dir",
                               "database",
                               "database_password_file",
                               "database_connections",
                               "kek_file",
                               "tls",
                               "trust_roots",
                               "tpm_attestation_keys",
                               "bootstrap_dir",
                               "nonce_ttl",
                               "log_level",
                               "approvals_required",
                               "certificate_cache_size",
                               "durability",
                               "admin_client_ca",
                               "limits",
                               "rate_limits",
                               "kms",
                               "xks",
                               "keystore",
                               "audit_sink"});
      !s) {
    return std::move(s).error();
  }
  if (auto s = ReadSections(root, config); !s) return std::move(s).error();
  if (auto s = FirstError({root.Int("workers", config.workers),
                           root.Int("approvals_required", config.approvals_required),
                           root.Int("certificate_cache_size", config.certificate_cache_size),
                           root.String("admin_client_ca", config.admin_client_ca),
                           ReadDurability(root, config), root.String("data_dir", config.data_dir),
                           root.String("database", config.database),
                           root.String("database_password_file", config.database_password_file),
                           root.Int("database_connections", config.database_connections),
                           root.String("kek_file", config.kek_file),
                           root.StringList("trust_roots", config.trust_roots),
                           root.StringList("tpm_attestation_keys", config.tpm_attestation_keys),
                           root.String("bootstrap_dir", config.bootstrap_dir),
                           root.String("audit_sink", config.audit_sink),
                           root.Seconds("nonce_ttl", config.nonce_ttl),
                           root.String("log_level", config.log_level)});
      !s) {
    return std::move(s).error();
  }
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

Status ValidateDatabase(Config& c) {
  if (!storage::IsPostgresUrl(c.database)) {
    if (!c.database_password_file.empty() || c.database_connections != 0) {
      return Error{ErrorCode::kMalformedRequest,
                   "database_password_file and database_connections are for a PostgreSQL "
                   "database (database: postgresql://...)"};
    }
    return Ok();
  }
  if (auto s = storage::CheckPostgresUrl(c.database); !s) return s;
  if (c.database_connections == 0) c.database_connections = 16;
  if (c.database_connections < 1 || c.database_connections > 1000) {
    return Error{ErrorCode::kMalformedRequest, "database_connections must be 1..1000"};
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
  if (auto s = ValidateXks(xks, kms_region); !s) return s;
  if (auto s = ValidateKeystore(keystore); !s) return s;
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
  if (auto s = ValidateDatabase(*this); !s) return s;
  if (kek_file.empty()) kek_file = data_dir + "/kek.bin";
  return Ok();
}

Result<Config> ParseConfig(const std::string& yaml_text) {
  // yaml-cpp reports errors by exception; this is the one place they are caught.
  if (auto s = CheckNoTabIndentation(yaml_text); !s) return std::move(s).error();
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
