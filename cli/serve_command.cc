#include "cli/serve_command.h"

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/https_server.h"
#include "cli/audit_setup.h"
#include "cli/bootstrap.h"
#include "cli/broker_assembly.h"
#include "cli/cli_io.h"
#include "cli/config.h"
#include "cli/config_print.h"
#include "cli/options.h"
#include "cli/replica_sync.h"
#include "cli/server_tls.h"
#include "cli/start_checks.h"
#include "cli/state_files.h"
#include "cli/storage_assembly.h"
#include "cli/version.h"
#include "common/clock.h"
#include "policy/policy_parser.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

void Log(const std::string& line) { std::cerr << "keybroker: " << line << std::endl; }

void ApplyLimits(const ConnectionLimits& limits, api::ServerOptions& o) {
  o.max_connections = limits.max_connections;
  o.max_requests_per_connection = limits.max_requests_per_connection;
  o.header_limit = size_t(limits.max_header_bytes);
  o.body_limit = size_t(limits.max_body_bytes);
  o.handshake_timeout = limits.handshake_timeout;
  o.read_timeout = limits.read_timeout;
  o.write_timeout = limits.write_timeout;
  o.idle_timeout = limits.idle_timeout;
  o.shutdown_timeout = limits.shutdown_timeout;
}

// --check: everything a start checks short of binding the port and opening the database, then
// the effective configuration on stdout.
int CheckOnly(const Config& config) {
  auto checks = CheckBeforeStart(config, Log);
  if (!checks) return UsageError(checks.error().message);
  if (!config.trust_roots.empty()) {
    Log("WARNING: attestation roots besides AWS Nitro Root G1 are trusted (development setup)");
  }
  std::cout << EffectiveConfigYaml(config) << std::flush;
  std::string database = storage::IsPostgresUrl(config.database)
                             ? "the database is PostgreSQL (" +
                                   storage::RedactPostgresUrl(config.database) +
                                   "); a start connects, and creates or migrates the schema"
                         : std::filesystem::exists(config.database)
                             ? "the database exists; a start migrates it if it is older"
                             : "the database does not exist; a start creates it";
  Log("configuration OK: " + std::to_string(checks->bootstrap.size()) +
      " bootstrap file(s) parse; " + database + ". Nothing was bound or written.");
  return kExitOk;
}

void LogBootstrap(const BootstrapReport& report) {
  for (const auto& warning : report.warnings) Log("WARNING: bootstrap: " + warning);
  Log("bootstrap: " + std::to_string(report.policies_activated) + " policy version(s) activated, " +
      std::to_string(report.references_added) + " reference(s) added");
}

api::ServerOptions ServerOptionsFor(const Config& config, const TlsPair& tls) {
  api::ServerOptions server_options;
  server_options.address = config.listen_address;
  server_options.port = uint16_t(config.listen_port);
  server_options.threads =
      config.workers > 0 ? config.workers : int(std::max(1u, std::thread::hardware_concurrency()));
  server_options.certificate_file = tls.certificate;
  server_options.private_key_file = tls.private_key;
  server_options.client_ca_file = config.admin_client_ca;
  server_options.xks_client_ca_file = config.xks.client_ca;
  server_options.xks_client_subject = config.xks.client_subject;
  ApplyLimits(config.limits, server_options);
  server_options.log = Log;
  server_options.log_requests = config.log_level == "debug";
  return server_options;
}

// A policy stored by an older version may no longer parse (a PCR its platform does not have):
// every release then fails closed until it is replaced. Said at start-up rather than at the
// first release.
void WarnOfStoredPoliciesThatDoNotParse(const Broker& b) {
  auto active = b.policies->ListActive();
  if (!active) return;  // the release path reports it
  for (const auto& version : *active) {
    auto parsed = policy::ParsePolicyOfEitherKind(version.source);
    if (parsed) continue;
    Log("WARNING: stored policy " + version.name + " version " + std::to_string(version.version) +
        " no longer parses (" + parsed.error().message +
        "): releases fail until a corrected version is made active or it is deactivated");
  }
}

void WarnOfDevelopmentTrust(const Broker& b, const api::Services& services) {
  if (services.development_root_trusted) {
    Log("WARNING: attestation roots besides AWS Nitro Root G1 are trusted (development setup)");
  }
  if (size_t unproven = b.aks.CountPem(); unproven > 0) {
    Log("WARNING: " + std::to_string(unproven) +
        " trusted TPM attestation key(s) were registered as PEM, so nothing shows they are "
        "restricted TPM keys (`keybroker admin aks list`): register their TPM2B_PUBLIC "
        "replacements and revoke them");
  }
}

}  // namespace

// The order is the point: every check that can fail runs before the first write (the data
// directory, the development TLS pair, the database's migrations and audit re-keying, the
// bootstrap files), so a start that fails leaves the database as it was (start_checks.h).
int RunServe(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("serve options");
  options.add_options()("config", po::value<std::string>()->required(), "configuration file")(
      "check", po::bool_switch(),
      "validate the configuration and everything it names, print the effective configuration "
      "and exit, without binding the port or writing anything");
  auto vm = ParseOptions(argc, argv, options, "keybroker serve --config FILE [--check]");
  if (!vm) return vm.exit_code();
  auto config = LoadConfig((*vm)["config"].as<std::string>());
  if (!config) return UsageError(config.error().message);
  if ((*vm)["check"].as<bool>()) return CheckOnly(*config);
  auto checks = CheckBeforeStart(*config, Log);
  if (!checks) return UsageError(checks.error().message);
  if (auto s = ProbeListenAddress(*config); !s) return UsageError(s.error().message);
  // Checked; from here on the start writes.
  if (auto s = MakeStateDirectory(config->data_dir); !s) return UsageError(s.error().message);
  if (auto s = CheckStatePermissions(*config); !s) return UsageError(s.error().message);
  auto tls = EnsureTlsFiles(*config, clock.Now(), Log);
  if (!tls) return UsageError(tls.error().message);
  Broker b;
  if (auto s = AssembleBroker(*config, clock.Now(), b); !s) return UsageError(s.error().message);
  Log("database: " + DescribeDatabase(*config));
  if (auto rekeyed = DescribeRekey(b.audit_rekey); !rekeyed.empty()) Log(rekeyed);
  // Replicas on one PostgreSQL database: what this one keeps in memory follows the others'.
  std::unique_ptr<ReplicaSync> replica_sync;
  if (b.pg) replica_sync = std::make_unique<ReplicaSync>(*b.admin, Log);
  if (b.audit_sink) Log("audit sink: " + b.audit_sink->path());
  api::Metrics metrics;
  api::Services services{*b.release,        !config->trust_roots.empty(),
                         &metrics,          b.cache.get(),
                         b.admin_api.get(), b.limits.get(),
                         b.kms_api.get()};
  services.ledger = b.ledger_writer.get();
  services.attestation_keys = &b.aks;
  services.xks = b.xks_api.get();
  services.keystore = &b.store.health;
  if (b.pg) services.database_ready = [&b] { return b.pg->Ping(); };
  if (b.store.token) {
    Log("keystore: pkcs11 token " + b.store.health.token + " from " + config->keystore.module +
        "; the KEK and kms keys stay in the token; release wrap: " + b.store.health.release_wrap);
  }
  if (b.xks_api) {
    Log("XKS proxy API at " + config->xks.uri_prefix + std::string(api::xks::kApiPath) +
        " (region " + config->xks.region +
        (config->xks.client_ca.empty() ? ")"
                                       : ", mutual TLS with " + config->xks.client_subject + ")"));
  }
  WarnOfDevelopmentTrust(b, services);
  auto server = api::HttpsServer::Create(ServerOptionsFor(*config, *tls), services, clock);
  if (!server) {
    const std::string& why = server.error().message;
    return UsageError(why.rfind("listen", 0) == 0 ? DescribeListenFailure(*config, why) : why);
  }
  // Bound: the bootstrap files go in before the first request is served (Run).
  if (!checks->bootstrap.empty()) {
    auto report = ApplyBootstrapFiles(
        checks->bootstrap, {*b.policies, *b.references, *b.audit, *b.unit_of_work}, clock.Now());
    if (!report) return UsageError("bootstrap_dir: " + report.error().message);
    LogBootstrap(*report);
  }
  WarnOfStoredPoliciesThatDoNotParse(b);  // after the files, which may have replaced one
  Log(std::string("version ") + kVersion + " serving https://" + config->listen_address + ":" +
      std::to_string((*server)->port()));
  (*server)->Run();  // returns once the requests it was answering are answered
  Log("stopped; closing the database");
  return kExitOk;
}

}  // namespace kb::cli
