#pragma once

// The service configuration: read once at start-up from YAML, validated, then passed down as a
// plain struct. Every field has a documented default (config.example.yaml); unknown keys are
// errors, so a typo cannot silently fall back to a default.

#include <chrono>
#include <string>
#include <vector>

#include "common/rate_limiter.h"
#include "common/result.h"
#include "storage/durability.h"

namespace kb::cli {

// Connection limits and timeouts of the HTTPS listener (api::ServerOptions).
struct ConnectionLimits {
  int max_connections = 1024;
  int max_requests_per_connection = 1000;
  int max_header_bytes = 8 * 1024;
  int max_body_bytes = 400 * 1024;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds read_timeout{15};
  std::chrono::seconds write_timeout{15};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds shutdown_timeout{10};
};

// Token buckets (common/rate_limiter.h); per_second 0 turns one off.
struct RateLimits {
  // /v1/challenge and /v1/release together, by IPv4 address or IPv6 /64. A fleet behind one NAT
  // shares it: raise it for such a fleet.
  RateLimit per_address{100, 1000};
  // /v1/release by attested module_id, after verification.
  RateLimit per_identity{5, 20};
  // /v1/release by key id, after verification.
  RateLimit per_key{1000, 5000};
};

// The XKS proxy API (docs/xks.md): off unless enabled.
struct XksConfig {
  bool enabled = false;
  // The routes are under uri_prefix + "/kms/xks/v1" (KMS's XksProxyUriPath): "" or
  // "/<segments>" of [A-Za-z0-9/_-], never under /v1/.
  std::string uri_prefix;
  std::string region;  // the SigV4 scope's region; default: kms.region
  int fleet_size = 1;  // xksProxyFleetSize: the brokers behind the endpoint
  // Mutual TLS: a PEM CA file, and the CN its client certificate must carry (default
  // cks.kms.<region>.amazonaws.com, AWS KMS's). Empty: SigV4 alone.
  std::string client_ca;
  std::string client_subject;
};

// Where key material lives (docs/keystores.md, broker/keys/keystore.h).
struct KeystoreConfig {
  std::string type = "sqlite";  // sqlite: sealed under kek_file; pkcs11: in a PKCS#11 token
  // pkcs11: the module file (libsofthsm2.so, an HSM vendor's), the token's label, and the user
  // PIN's file (mode 0600, like the KEK); empty pin_file: the systemd credential
  // keybroker-pkcs11-pin ($CREDENTIALS_DIRECTORY/keybroker-pkcs11-pin).
  std::string module;
  std::string token_label;
  std::string pin_file;
  // Refuse to start unless release keys are wrapped inside the token.
  bool require_in_token_wrap = false;
  int sessions = 0;  // the session pool; 0: one per worker and API handler thread
};

struct Config {
  std::string listen_address = "127.0.0.1";
  int listen_port = 8443;
  int workers = 0;  // 0: one per core
  std::string data_dir = "./data";
  // A SQLite file (default: <data_dir>/keybroker.db), or a libpq URI postgresql://... for
  // replicas on one PostgreSQL database (docs/ha.md).
  std::string database;
  // PostgreSQL only: a file of mode 0600 holding the password (else the systemd credential
  // keybroker-database-password, else none), and the connections each broker opens at most.
  std::string database_password_file;
  int database_connections = 0;  // 0: 16
  std::string kek_file;          // default: <data_dir>/kek.bin
  std::string tls_certificate;   // empty: generated into data_dir on first start (development)
  std::string tls_private_key;
  // PEM CA whose client certificates authenticate admins (subject CN = principal, key bound to
  // it by an approved binding); empty: tokens only.
  std::string admin_client_ca;
  std::vector<std::string> trust_roots;           // PEM files trusted besides AWS Nitro Root G1
  std::vector<std::string> tpm_attestation_keys;  // AKs (TPM2B_PUBLIC) for tpm2-quote
  std::string bootstrap_dir;  // YAML policies and references loaded at start-up; empty: none
  // Append-only file that every audit row also goes to, synced before its transaction commits
  // (storage/audit_sink.h); empty: none. Keep it where whoever can write the database cannot.
  std::string audit_sink;
  std::chrono::seconds nonce_ttl{300};
  // Two-person rule: distinct principals who must approve a new reference, a reinstated
  // reference, a policy version or an attestation key before it takes effect (author included).
  int approvals_required = 1;
  // Verified certificate links kept (intermediates and enclave leaves); 0 disables the cache.
  int certificate_cache_size = 4096;
  // full (default): every commit is synced; normal: synced at checkpoints (storage::Durability).
  storage::Durability durability = storage::Durability::kFull;
  std::string log_level = "info";
  ConnectionLimits limits;
  RateLimits rate_limits;
  // The KMS-compatible API (POST /): the region and account its ARNs and SigV4 scope use.
  std::string kms_region = "us-east-1";
  std::string kms_account_id = "000000000000";
  // The oldest signed timestamp a Nitro document may carry as a KMS Recipient (TPM quotes need
  // a nonce from /v1/challenge instead).
  std::chrono::seconds kms_recipient_max_age{300};
  XksConfig xks;
  KeystoreConfig keystore;

  // Cross-field checks; fills derived defaults.
  Status Validate();
};

// Parses YAML text. Errors carry the line number of the offending node.
Result<Config> ParseConfig(const std::string& yaml_text);

// Reads and parses a file; I/O errors are kInternal.
Result<Config> LoadConfig(const std::string& path);

}  // namespace kb::cli
