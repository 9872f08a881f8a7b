#include "cli/server_tls.h"

#include <openssl/pem.h>

#include <filesystem>

#include "cli/cli_io.h"
#include "cli/output_file.h"
#include "cli/state_files.h"
#include "crypto/ossl.h"
#include "dev/cert_builder.h"

namespace kb::cli {
namespace {

constexpr size_t kMaxPemFile = 1 << 20;

Error ForSetting(const std::string& setting, const std::string& message) {
  return Error{ErrorCode::kMalformedRequest, setting + ": " + message};
}

Result<OsslPtr<X509>> ReadCertificate(const std::string& setting, const std::string& path) {
  auto pem = ReadTextFile(path, kMaxPemFile);
  if (!pem) return ForSetting(setting, pem.error().message);
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem->data(), int(pem->size())));
  if (!bio) return ForSetting(setting, OsslErrorString(path));
  OsslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  OsslClearErrors();
  if (!cert) return ForSetting(setting, path + ": holds no PEM certificate");
  return cert;
}

Result<OsslPtr<EVP_PKEY>> ReadPrivateKey(const std::string& setting, const std::string& path) {
  auto pem = ReadTextFile(path, kMaxPemFile);
  if (!pem) return ForSetting(setting, pem.error().message);
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem->data(), int(pem->size())));
  if (!bio) return ForSetting(setting, OsslErrorString(path));
  // A null password callback that answers nothing: an encrypted key fails here rather than
  // prompting on the terminal.
  OsslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  OsslClearErrors();
  if (!key) {
    return ForSetting(setting, path + ": holds no unencrypted PEM private key");
  }
  return key;
}

}  // namespace

TlsPair TlsPairFor(const Config& config) {
  if (!config.tls_certificate.empty()) {
    return {config.tls_certificate, config.tls_private_key, false};
  }
  std::string dir = config.data_dir + "/tls";
  return {dir + "/cert.pem", dir + "/key.pem", true};
}

Status CheckTlsFiles(const Config& config) {
  TlsPair pair = TlsPairFor(config);
  bool check_pair = !pair.development || (std::filesystem::exists(pair.certificate) &&
                                          std::filesystem::exists(pair.private_key));
  if (check_pair) {
    std::string cert_setting = pair.development ? "the development certificate" : "tls.certificate";
    std::string key_setting = pair.development ? "the development key" : "tls.private_key";
    auto cert = ReadCertificate(cert_setting, pair.certificate);
    if (!cert) return std::move(cert).error();
    auto key = ReadPrivateKey(key_setting, pair.private_key);
    if (!key) return std::move(key).error();
    if (X509_check_private_key(cert->get(), key->get()) != 1) {
      OsslClearErrors();
      return ForSetting(key_setting, pair.private_key + " is not the key of the certificate in " +
                                         pair.certificate + ": give the matching pair");
    }
  }
  if (!config.admin_client_ca.empty()) {
    auto ca = ReadCertificate("admin_client_ca", config.admin_client_ca);
    if (!ca) return std::move(ca).error();
  }
  if (!config.xks.client_ca.empty()) {
    auto ca = ReadCertificate("xks.client_ca", config.xks.client_ca);
    if (!ca) return std::move(ca).error();
  }
  return Ok();
}

Result<TlsPair> EnsureTlsFiles(const Config& config, Time now,
                               void (*log)(const std::string& line)) {
  TlsPair pair = TlsPairFor(config);
  if (!pair.development ||
      (std::filesystem::exists(pair.certificate) && std::filesystem::exists(pair.private_key))) {
    return pair;
  }
  if (auto s = MakeStateDirectory(config.data_dir + "/tls"); !s) return s.error();
  auto built =
      broker::BuildCertificate({"keybroker development", false, -1, now - std::chrono::hours(1),
                                now + std::chrono::hours(24 * 365), broker::KeyType::kP256,
                                "digitalSignature", "IP:127.0.0.1,DNS:localhost"},
                               nullptr);
  if (!built) return std::move(built).error();
  if (auto s = WriteFileWithMode(pair.private_key, AsBytes(built->KeyPem()), 0600); !s) {
    return s.error();
  }
  if (auto s = WriteFileWithMode(pair.certificate, AsBytes(built->CertPem()), 0644); !s) {
    return s.error();
  }
  log("generated a development TLS certificate: " + pair.certificate);
  return pair;
}

}  // namespace kb::cli
