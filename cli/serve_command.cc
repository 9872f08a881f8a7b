#include "cli/serve_command.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "api/https_server.h"
#include "broker/evidence/cert_builder.h"
#include "broker/release_service.h"
#include "cli/bootstrap.h"
#include "cli/cli_io.h"
#include "cli/config.h"
#include "cli/kek_file.h"
#include "cli/options.h"
#include "cli/version.h"
#include "common/clock.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_reference_store.h"
#include "storage/sqlite_release_ledger.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

void Log(const std::string& line) { std::cerr << "keybroker: " << line << std::endl; }

// Without a configured certificate, a development one for 127.0.0.1/localhost is made once.
Result<std::pair<std::string, std::string>> TlsFiles(const Config& config, Time now) {
  if (!config.tls_certificate.empty()) {
    return std::make_pair(config.tls_certificate, config.tls_private_key);
  }
  std::string dir = config.data_dir + "/tls";
  std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  if (std::filesystem::exists(cert) && std::filesystem::exists(key))
    return std::make_pair(cert, key);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto built =
      broker::BuildCertificate({"keybroker development", false, -1, now - std::chrono::hours(1),
                                now + std::chrono::hours(24 * 365), broker::KeyType::kP256,
                                "digitalSignature", "IP:127.0.0.1,DNS:localhost"},
                               nullptr);
  if (!built) return std::move(built).error();
  if (auto s = WriteFileWithMode(key, AsBytes(built->KeyPem()), 0600); !s) return s.error();
  if (auto s = WriteFileWithMode(cert, AsBytes(built->CertPem()), 0644); !s) return s.error();
  Log("generated a development TLS certificate: " + cert);
  return std::make_pair(cert, key);
}

Result<std::string> ReadText(const std::string& path) {
  auto bytes = ReadFile(path, 1 << 20);
  if (!bytes) return std::move(bytes).error();
  return std::string(bytes->begin(), bytes->end());
}

// Everything `serve` builds, owned in one place, in dependency order.
struct Broker {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<broker::Kek> kek;
  broker::TrustAnchors anchors = broker::TrustAnchors::AwsNitroDefault();
  broker::AttestationKeys aks;
  std::unique_ptr<broker::CertificateCache> cache;
  std::unique_ptr<broker::NitroVerifier> nitro;
  std::unique_ptr<broker::Tpm2QuoteVerifier> tpm2;
  std::unique_ptr<storage::SqliteKeyStore> keys;
  std::unique_ptr<storage::SqliteAuditLog> audit;
  std::unique_ptr<storage::SqlitePolicyStore> policies;
  std::unique_ptr<storage::SqliteReferenceStore> references;
  std::unique_ptr<storage::SqliteReleaseLedger> ledger;
  OsslRandom random;
  std::unique_ptr<broker::KeyManager> manager;
  std::unique_ptr<broker::KeyWrapper> wrapper;
  std::unique_ptr<broker::ReleaseService> release;
};

Status Assemble(const Config& config, Broker& b) {
  auto kek = LoadKekFile(config.kek_file);
  if (!kek) return std::move(kek).error();
  b.kek = std::make_unique<broker::Kek>(std::move(*kek));
  auto db = storage::Database::Open(config.database);
  if (!db) return std::move(db).error();
  b.db = std::move(*db);
  for (const std::string& path : config.trust_roots) {
    auto pem = ReadText(path);
    if (!pem) return std::move(pem).error();
    if (auto s = b.anchors.AddPem(*pem); !s)
      return Error{s.error().code, path + ": " + s.error().message};
  }
  for (const std::string& path : config.tpm_attestation_keys) {
    auto key = ReadFile(path, 1 << 16);
    if (!key) return std::move(key).error();
    if (auto s = b.aks.Add(*key); !s) return Error{s.error().code, path + ": " + s.error().message};
  }
  b.cache = std::make_unique<broker::CertificateCache>(4096);
  b.nitro = std::make_unique<broker::NitroVerifier>(b.anchors, *b.cache);
  b.tpm2 = std::make_unique<broker::Tpm2QuoteVerifier>(b.aks);
  b.keys = std::make_unique<storage::SqliteKeyStore>(*b.db);
  b.audit = std::make_unique<storage::SqliteAuditLog>(*b.db);
  b.policies = std::make_unique<storage::SqlitePolicyStore>(*b.db);
  b.references = std::make_unique<storage::SqliteReferenceStore>(*b.db);
  b.ledger = std::make_unique<storage::SqliteReleaseLedger>(*b.db);
  b.manager = std::make_unique<broker::KeyManager>(*b.keys, *b.audit, *b.kek, b.random);
  auto wrapper = broker::KeyWrapper::Create();
  if (!wrapper) return std::move(wrapper).error();
  b.wrapper = std::make_unique<broker::KeyWrapper>(std::move(*wrapper));
  b.release = std::make_unique<broker::ReleaseService>(broker::ReleaseService::Dependencies{
      *b.nitro, *b.tpm2, *b.policies, *b.references, *b.manager, *b.wrapper, *b.ledger, b.random,
      config.nonce_ttl});
  return Ok();
}

}  // namespace

int RunServe(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("serve options");
  options.add_options()("config", po::value<std::string>()->required(), "configuration file");
  auto vm = ParseOptions(argc, argv, options, "keybroker serve --config FILE");
  if (!vm) return kExitUsage;
  auto config = LoadConfig((*vm)["config"].as<std::string>());
  if (!config) return UsageError(config.error().message);
  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  Broker b;
  if (auto s = Assemble(*config, b); !s) return UsageError(s.error().message);
  if (!config->bootstrap_dir.empty()) {
    auto report = LoadBootstrapDir(config->bootstrap_dir, *b.policies, *b.references, clock.Now());
    if (!report) return UsageError(report.error().message);
    Log("bootstrap: " + std::to_string(report->policies_activated) +
        " policy version(s) activated, " + std::to_string(report->references_added) +
        " reference(s) added");
  }
  auto tls = TlsFiles(*config, clock.Now());
  if (!tls) return UsageError(tls.error().message);
  api::Metrics metrics;
  api::Services services{*b.release, !config->trust_roots.empty(), &metrics, b.cache.get()};
  if (services.development_root_trusted) {
    Log("WARNING: attestation roots besides AWS Nitro Root G1 are trusted (development setup)");
  }
  api::ServerOptions server_options;
  server_options.address = config->listen_address;
  server_options.port = uint16_t(config->listen_port);
  server_options.threads = config->workers > 0
                               ? config->workers
                               : int(std::max(1u, std::thread::hardware_concurrency()));
  server_options.certificate_file = tls->first;
  server_options.private_key_file = tls->second;
  auto server = api::HttpsServer::Create(server_options, services, clock);
  if (!server) return UsageError(server.error().message);
  Log(std::string("version ") + kVersion + " serving https://" + config->listen_address + ":" +
      std::to_string((*server)->port()));
  (*server)->Run();
  Log("stopped");
  return kExitOk;
}

}  // namespace kb::cli
