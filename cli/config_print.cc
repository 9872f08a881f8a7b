#include "cli/config_print.h"

#include <yaml-cpp/yaml.h>

#include "storage/pg/pg_database.h"

namespace kb::cli {
namespace {

std::string Seconds(std::chrono::seconds value) { return std::to_string(value.count()) + "s"; }

void EmitPathList(YAML::Emitter& out, const char* key, const std::vector<std::string>& paths) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& path : paths) out << path;
  out << YAML::EndSeq;
}

void EmitRateLimit(YAML::Emitter& out, const char* key, const RateLimit& limit) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "per_second" << YAML::Value << limit.per_second;
  out << YAML::Key << "burst" << YAML::Value << limit.burst;
  out << YAML::EndMap;
}

void EmitLimits(YAML::Emitter& out, const ConnectionLimits& l) {
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_connections" << YAML::Value << l.max_connections;
  out << YAML::Key << "max_requests_per_connection" << YAML::Value << l.max_requests_per_connection;
  out << YAML::Key << "max_header_bytes" << YAML::Value << l.max_header_bytes;
  out << YAML::Key << "max_body_bytes" << YAML::Value << l.max_body_bytes;
  out << YAML::Key << "handshake_timeout" << YAML::Value << Seconds(l.handshake_timeout);
  out << YAML::Key << "read_timeout" << YAML::Value << Seconds(l.read_timeout);
  out << YAML::Key << "write_timeout" << YAML::Value << Seconds(l.write_timeout);
  out << YAML::Key << "idle_timeout" << YAML::Value << Seconds(l.idle_timeout);
  out << YAML::Key << "shutdown_timeout" << YAML::Value << Seconds(l.shutdown_timeout);
  out << YAML::EndMap;
}

void EmitFiles(YAML::Emitter& out, const Config& c) {
  out << YAML::Key << "data_dir" << YAML::Value << c.data_dir;
  out << YAML::Key << "database" << YAML::Value << storage::RedactPostgresUrl(c.database);
  if (storage::IsPostgresUrl(c.database)) {
    out << YAML::Comment("a password in the URL is never printed");
    out << YAML::Key << "database_password_file" << YAML::Value << c.database_password_file;
    out << YAML::Key << "database_connections" << YAML::Value << c.database_connections;
  }
  out << YAML::Key << "kek_file" << YAML::Value << c.kek_file;
  out << YAML::Comment("a path: the KEK itself is never printed");
  out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "certificate" << YAML::Value << c.tls_certificate;
  out << YAML::Key << "private_key" << YAML::Value << c.tls_private_key;
  out << YAML::EndMap;
  out << YAML::Key << "admin_client_ca" << YAML::Value << c.admin_client_ca;
  EmitPathList(out, "trust_roots", c.trust_roots);
  EmitPathList(out, "tpm_attestation_keys", c.tpm_attestation_keys);
  out << YAML::Key << "bootstrap_dir" << YAML::Value << c.bootstrap_dir;
  out << YAML::Key << "audit_sink" << YAML::Value << c.audit_sink;
}

}  // namespace

std::string EffectiveConfigYaml(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "address" << YAML::Value << c.listen_address;
  out << YAML::Key << "port" << YAML::Value << c.listen_port;
  out << YAML::EndMap;
  out << YAML::Key << "workers" << YAML::Value << c.workers;
  EmitFiles(out, c);
  out << YAML::Key << "approvals_required" << YAML::Value << c.approvals_required;
  out << YAML::Key << "certificate_cache_size" << YAML::Value << c.certificate_cache_size;
  out << YAML::Key << "durability" << YAML::Value
      << (c.durability == storage::Durability::kNormal ? "normal" : "full");
  out << YAML::Key << "nonce_ttl" << YAML::Value << Seconds(c.nonce_ttl);
  out << YAML::Key << "log_level" << YAML::Value << c.log_level;
  EmitLimits(out, c.limits);
  out << YAML::Key << "rate_limits" << YAML::Value << YAML::BeginMap;
  EmitRateLimit(out, "per_address", c.rate_limits.per_address);
  EmitRateLimit(out, "per_identity", c.rate_limits.per_identity);
  EmitRateLimit(out, "per_key", c.rate_limits.per_key);
  out << YAML::EndMap;
  out << YAML::Key << "kms" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "region" << YAML::Value << c.kms_region;
  out << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << c.kms_account_id;
  out << YAML::Key << "recipient_max_age" << YAML::Value << Seconds(c.kms_recipient_max_age);
  out << YAML::EndMap;
  out << YAML::Key << "xks" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << (c.xks.enabled ? "true" : "false");
  out << YAML::Key << "uri_prefix" << YAML::Value << c.xks.uri_prefix;
  out << YAML::Key << "region" << YAML::Value << c.xks.region;
  out << YAML::Key << "fleet_size" << YAML::Value << c.xks.fleet_size;
  out << YAML::Key << "client_ca" << YAML::Value << c.xks.client_ca;
  out << YAML::Key << "client_subject" << YAML::Value << c.xks.client_subject;
  out << YAML::EndMap;
  out << YAML::Key << "keystore" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << c.keystore.type;
  if (c.keystore.type == "pkcs11") {
    out << YAML::Key << "module" << YAML::Value << c.keystore.module;
    out << YAML::Key << "token_label" << YAML::Value << c.keystore.token_label;
    out << YAML::Key << "pin_file" << YAML::Value << c.keystore.pin_file;
    out << YAML::Key << "require_in_token_wrap" << YAML::Value
        << (c.keystore.require_in_token_wrap ? "true" : "false");
    out << YAML::Key << "sessions" << YAML::Value << c.keystore.sessions;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace kb::cli
