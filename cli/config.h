#pragma once

// The service configuration: read once at start-up from YAML, validated, then passed down as a
// plain struct. Every field has a documented default (config.example.yaml); unknown keys are
// errors, so a typo cannot silently fall back to a default.

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace kb::cli {

struct Config {
  std::string listen_address = "127.0.0.1";
  int listen_port = 8443;
  int workers = 0;  // 0: one per core
  std::string data_dir = "./data";
  std::string database;         // default: <data_dir>/keybroker.db
  std::string kek_file;         // default: <data_dir>/kek.bin
  std::string tls_certificate;  // empty: generated into data_dir on first start (development)
  std::string tls_private_key;
  // PEM CA whose client certificates authenticate admins (subject CN = principal); empty: tokens
  // only.
  std::string admin_client_ca;
  std::vector<std::string> trust_roots;           // PEM files trusted besides AWS Nitro Root G1
  std::vector<std::string> tpm_attestation_keys;  // AKs (PEM or TPM2B_PUBLIC) for tpm2-quote
  std::string bootstrap_dir;  // YAML policies and references loaded at start-up; empty: none
  std::chrono::seconds nonce_ttl{300};
  // Two-person rule: distinct principals who must approve a new reference, a reinstated
  // reference, a policy version or an attestation key before it takes effect (author included).
  int approvals_required = 1;
  // Verified certificate links kept (intermediates and enclave leaves); 0 disables the cache.
  int certificate_cache_size = 4096;
  // "full" (default): every commit is synced; "normal": synced at checkpoints (see Durability).
  std::string durability = "full";
  std::string log_level = "info";

  // Cross-field checks; fills derived defaults.
  Status Validate();
};

// Parses YAML text. Errors carry the line number of the offending node.
Result<Config> ParseConfig(const std::string& yaml_text);

// Reads and parses a file; I/O errors are kInternal.
Result<Config> LoadConfig(const std::string& path);

}  // namespace kb::cli
