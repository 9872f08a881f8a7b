#include "cli/serve_command.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "api/https_server.h"
#include "cli/audit_setup.h"
#include "cli/bootstrap.h"
#include "cli/broker_assembly.h"
#include "cli/cli_io.h"
#include "cli/config.h"
#include "cli/options.h"
#include "cli/output_file.h"
#include "cli/state_files.h"
#include "cli/version.h"
#include "common/clock.h"
#include "dev/cert_builder.h"

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
  if (auto s = MakeStateDirectory(dir); !s) return s.error();
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

}  // namespace

int RunServe(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("serve options");
  options.add_options()("config", po::value<std::string>()->required(), "configuration file");
  auto vm = ParseOptions(argc, argv, options, "keybroker serve --config FILE");
  if (!vm) return vm.exit_code();
  auto config = LoadConfig((*vm)["config"].as<std::string>());
  if (!config) return UsageError(config.error().message);
  if (auto s = MakeStateDirectory(config->data_dir); !s) return UsageError(s.error().message);
  auto warnings = CheckStatePermissions(*config);
  if (!warnings) return UsageError(warnings.error().message);
  for (const auto& warning : *warnings) Log(warning);
  Broker b;
  if (auto s = AssembleBroker(*config, clock.Now(), b); !s) return UsageError(s.error().message);
  if (auto rekeyed = DescribeRekey(b.audit_rekey); !rekeyed.empty()) Log(rekeyed);
  if (b.audit_sink) Log("audit sink: " + b.audit_sink->path());
  if (!config->bootstrap_dir.empty()) {
    auto report =
        LoadBootstrapDir(config->bootstrap_dir,
                         {*b.policies, *b.references, *b.audit, *b.unit_of_work}, clock.Now());
    if (!report) return UsageError(report.error().message);
    for (const auto& warning : report->warnings) Log("WARNING: bootstrap: " + warning);
    Log("bootstrap: " + std::to_string(report->policies_activated) +
        " policy version(s) activated, " + std::to_string(report->references_added) +
        " reference(s) added");
  }
  auto tls = TlsFiles(*config, clock.Now());
  if (!tls) return UsageError(tls.error().message);
  api::Metrics metrics;
  api::Services services{*b.release,        !config->trust_roots.empty(),
                         &metrics,          b.cache.get(),
                         b.admin_api.get(), b.limits.get(),
                         b.kms_api.get()};
  services.ledger = b.ledger_writer.get();
  services.attestation_keys = &b.aks;
  if (services.development_root_trusted) {
    Log("WARNING: attestation roots besides AWS Nitro Root G1 are trusted (development setup)");
  }
  if (size_t unproven = b.aks.CountPem(); unproven > 0) {
    Log("WARNING: " + std::to_string(unproven) +
        " trusted TPM attestation key(s) were registered as PEM, so nothing shows they are "
        "restricted TPM keys (`keybroker admin aks list`): register their TPM2B_PUBLIC "
        "replacements and revoke them");
  }
  api::ServerOptions server_options;
  server_options.address = config->listen_address;
  server_options.port = uint16_t(config->listen_port);
  server_options.threads = config->workers > 0
                               ? config->workers
                               : int(std::max(1u, std::thread::hardware_concurrency()));
  server_options.certificate_file = tls->first;
  server_options.private_key_file = tls->second;
  server_options.client_ca_file = config->admin_client_ca;
  ApplyLimits(config->limits, server_options);
  server_options.log = Log;
  server_options.log_requests = config->log_level == "debug";
  auto server = api::HttpsServer::Create(server_options, services, clock);
  if (!server) return UsageError(server.error().message);
  Log(std::string("version ") + kVersion + " serving https://" + config->listen_address + ":" +
      std::to_string((*server)->port()));
  (*server)->Run();  // returns once the requests it was answering are answered
  Log("stopped; closing the database");
  return kExitOk;
}

}  // namespace kb::cli
