#include "tests/support/test_pki.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "dev/nitro_document_encoder.h"

namespace kb::testing {

using std::chrono::hours;
OsslPtr<EVP_PKEY> GenerateKey(KeyType type) {
  auto key = broker::GenerateKey(type);
  if (!key) {
    std::fprintf(stderr, "%s\n", key.error().message.c_str());
    std::abort();
  }
  return std::move(*key);
}

TestCert MakeCert(const CertSpec& spec, const TestCert* issuer) {
  auto cert = broker::BuildCertificate(spec, issuer);
  if (!cert) {
    std::fprintf(stderr, "%s\n", cert.error().message.c_str());
    std::abort();
  }
  return std::move(*cert);
}

TestChain MakeChain(Time t) {
  TestCert root =
      MakeCert({"test-root", true, -1, t - hours(24 * 365), t + hours(24 * 365)}, nullptr);
  TestCert intermediate =
      MakeCert({"test-intermediate", true, 0, t - hours(24), t + hours(24)}, &root);
  TestCert leaf = MakeCert({"test-leaf", false, -1, t - hours(1), t + hours(3)}, &intermediate);
  return {std::move(root), std::move(intermediate), std::move(leaf)};
}

broker::NitroDocument MakeDocumentFields(const TestChain& chain, Time t) {
  broker::NitroDocument doc{};
  doc.platform = broker::Platform::kNitroEnclave;
  doc.module_id = "i-0123456789abcdef0-enc0123456789abcdef";
  doc.timestamp = t;
  doc.digest = "SHA384";
  for (uint32_t i = 0; i < 16; ++i) doc.pcrs[i] = Bytes(broker::kPcrSize, uint8_t(i));
  doc.certificate = chain.leaf.der;
  doc.cabundle = {chain.root.der, chain.intermediate.der};
  doc.nonce = Bytes{1, 2, 3, 4};
  return doc;
}

Bytes SignDocument(const broker::NitroDocument& fields, EVP_PKEY* signer) {
  auto payload = broker::EncodeNitroPayload(fields);
  if (!payload) std::abort();
  auto document = broker::SignCoseSign1Es384(*payload, signer);
  if (!document) std::abort();
  return *document;
}

bool WriteLocalhostCertificate(const std::string& cert_file, const std::string& key_file,
                               Time now) {
  auto cert = broker::BuildCertificate(
      {"localhost", false, -1, now - std::chrono::hours(1), now + std::chrono::hours(1),
       broker::KeyType::kP256, "digitalSignature", "IP:127.0.0.1,DNS:localhost"},
      nullptr);
  if (!cert) return false;
  std::ofstream(cert_file) << cert->CertPem();
  std::ofstream(key_file) << cert->KeyPem();
  return std::ifstream(cert_file).good() && std::ifstream(key_file).good();
}

}  // namespace kb::testing
