#include "cli/broker_assembly.h"

#include "cli/cli_io.h"
#include "cli/kek_file.h"
#include "cli/storage_assembly.h"
#include "cli/version.h"

namespace kb::cli {
namespace {

// "setting: message", for errors about a file a setting names (the message names the file).
Error ForSetting(const std::string& setting, const Error& error) {
  return Error{error.code, setting + ": " + error.message};
}

}  // namespace

Result<broker::Kek> LoadConfiguredKek(const Config& config) {
  auto kek = LoadKekFile(config.kek_file);
  if (!kek) return ForSetting("kek_file", kek.error());
  return kek;
}

Status LoadConfiguredTrust(const Config& config, broker::TrustAnchors& anchors,
                           broker::AttestationKeys& aks) {
  for (const std::string& path : config.trust_roots) {
    auto pem = ReadTextFile(path, 1 << 20);
    if (!pem) return ForSetting("trust_roots", pem.error());
    if (auto s = anchors.AddPem(*pem); !s) {
      return ForSetting("trust_roots", Error{s.error().code, path + ": " + s.error().message});
    }
  }
  for (const std::string& path : config.tpm_attestation_keys) {
    auto key = ReadFile(path, 1 << 16);
    if (!key) return ForSetting("tpm_attestation_keys", key.error());
    if (auto s = aks.AddTpm2bPublic(*key); !s) {
      return ForSetting("tpm_attestation_keys",
                        Error{s.error().code, path + ": " + s.error().message});
    }
  }
  return Ok();
}

Status AssembleBroker(const Config& config, Time now, Broker& b) {
  if (auto s = OpenConfiguredKeystore(config, b.random, b.store); !s) return s;
  if (auto s = OpenConfiguredStorage(config, now, b); !s) return s;
  if (auto s = LoadConfiguredTrust(config, b.anchors, b.aks); !s) return s;
  b.cache = std::make_unique<broker::CertificateCache>(size_t(config.certificate_cache_size));
  b.nitro = std::make_unique<broker::NitroVerifier>(b.anchors, *b.cache);
  b.tpm2 = std::make_unique<broker::Tpm2QuoteVerifier>(b.aks);
  b.ledger_writer = std::make_unique<storage::LedgerWriter>(*b.ledger);
  b.manager =
      std::make_unique<broker::KeyManager>(*b.keys, *b.audit, *b.unit_of_work, *b.store.keystore);
  b.release_manager = std::make_unique<broker::KeyManager>(*b.release_keys, *b.audit,
                                                           *b.unit_of_work, *b.store.keystore);
  auto wrapper = broker::KeyWrapper::Create();
  if (!wrapper) return std::move(wrapper).error();
  b.wrapper = std::make_unique<broker::KeyWrapper>(std::move(*wrapper));
  b.limits = std::make_unique<api::RateLimiters>(
      config.rate_limits.per_address, config.rate_limits.per_identity, config.rate_limits.per_key);
  b.verifiers = std::make_unique<broker::EvidenceVerifiers>(*b.nitro, *b.tpm2);
  b.policy_gate = std::make_unique<broker::PolicyGate>(*b.release_policies, *b.release_references);
  b.release_core = std::make_unique<broker::ReleaseCore>(broker::ReleaseCore::Dependencies{
      *b.verifiers, *b.ledger, *b.policy_gate, *b.release_manager, *b.wrapper, *b.ledger_writer,
      config.kms_recipient_max_age});
  b.release = std::make_unique<broker::ReleaseService>(
      broker::ReleaseService::Dependencies{*b.release_core, *b.ledger, b.random, config.nonce_ttl,
                                           &b.limits->per_identity, &b.limits->per_key});
  b.authenticator =
      std::make_unique<broker::Authenticator>(*b.principals, *b.unit_of_work, b.random);
  b.access_keys = std::make_unique<broker::AccessKeys>(*b.access_key_store, *b.unit_of_work,
                                                       *b.authenticator, *b.store.kek, b.random);
  b.api_authenticator =
      std::make_unique<broker::Authenticator>(*b.api_principals, *b.unit_of_work, b.random);
  b.api_access_keys = std::make_unique<broker::AccessKeys>(
      *b.api_access_key_store, *b.unit_of_work, *b.api_authenticator, *b.store.kek, b.random);
  b.admin = std::make_unique<broker::AdminService>(broker::AdminService::Dependencies{
      *b.references, *b.policies, *b.approvals, *b.attestation_keys, *b.audit, *b.unit_of_work,
      b.aks, *b.verifiers, config.approvals_required});
  if (auto s = b.admin->LoadAttestationKeys(); !s) return s;
  b.quorum =
      std::make_unique<broker::Quorum>(*b.approvals, *b.unit_of_work, config.approvals_required);
  b.key_admin = std::make_unique<broker::KeyAdmin>(*b.manager, *b.keys, *b.import_tokens, *b.audit,
                                                   *b.quorum, *b.store.keystore, b.random);
  b.kms_governance = std::make_unique<broker::KmsGovernance>(
      broker::KmsGovernance::Dependencies{*b.grants, *b.keys, *b.quorum, *b.audit, b.random});
  b.kms = std::make_unique<broker::KmsService>(broker::KmsService::Dependencies{
      *b.keys, *b.grants, *b.manager, *b.release_core, *b.wrapper, b.random,
      broker::KmsLocation{config.kms_region, config.kms_account_id}});
  b.kms_api =
      std::make_unique<api::kms::KmsServices>(api::kms::KmsServices{*b.kms, *b.api_access_keys});
  if (config.xks.enabled) {
    // Reads through the release path's connection: no call waits behind a commit's sync.
    b.xks = std::make_unique<broker::XksService>(broker::XksService::Dependencies{
        *b.release_manager, *b.policy_gate, *b.release_core, b.random});
    b.xks_api = std::make_unique<api::xks::XksServices>(api::xks::XksServices{
        *b.xks, *b.api_access_keys, config.xks.uri_prefix, config.xks.region, config.xks.fleet_size,
        std::string("keybroker ") + kVersion, !config.xks.client_ca.empty()});
  }
  b.identity = std::make_unique<broker::IdentityAdmin>(*b.authenticator, *b.access_keys, *b.quorum);
  b.admin_api = std::make_unique<api::AdminServices>(api::AdminServices{
      *b.authenticator, *b.identity, *b.admin, *b.key_admin, *b.access_keys, *b.kms_governance});
  return Ok();
}

}  // namespace kb::cli
