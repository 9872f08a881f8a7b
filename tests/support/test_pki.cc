#include "tests/support/test_pki.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>

#include "broker/evidence/nitro_document_encoder.h"

namespace kb::testing {
namespace {

using std::chrono::hours;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s\n", OsslErrorString(what).c_str());
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

void SetTime(ASN1_TIME* field, Time t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  Check(ASN1_TIME_set(field, time_t(seconds)) != nullptr, "ASN1_TIME_set");
}

}  // namespace

std::string TestCert::Pem() const {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  Check(bio && PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(len));
}

OsslPtr<EVP_PKEY> GenerateKey(KeyType type) {
  EVP_PKEY* key = nullptr;
  switch (type) {
    case KeyType::kP384:
      key = EVP_EC_gen("P-384");
      break;
    case KeyType::kP256:
      key = EVP_EC_gen("P-256");
      break;
    case KeyType::kRsa2048:
      key = EVP_RSA_gen(2048);
      break;
  }
  Check(key != nullptr, "key generation");
  return OsslPtr<EVP_PKEY>(key);
}

TestCert MakeCert(const CertSpec& spec, const TestCert* issuer) {
  static long serial = 1;
  TestCert out{OsslPtr<X509>(X509_new()), GenerateKey(spec.key_type), {}};
  X509* cert = out.cert.get();
  Check(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) == 1, "serial");
  X509_NAME* name = X509_get_subject_name(cert);
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                   -1, -1, 0) == 1,
        "X509_NAME_add_entry_by_txt");
  X509* issuer_cert = issuer ? issuer->cert.get() : cert;
  EVP_PKEY* issuer_key = issuer ? issuer->key.get() : out.key.get();
  Check(X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1, "issuer name");
  SetTime(X509_getm_notBefore(cert), spec.not_before);
  SetTime(X509_getm_notAfter(cert), spec.not_after);
  Check(X509_set_pubkey(cert, out.key.get()) == 1, "X509_set_pubkey");
  std::string constraints = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.is_ca && spec.path_len >= 0) constraints += ",pathlen:" + std::to_string(spec.path_len);
  AddExtension(cert, issuer_cert, NID_basic_constraints, constraints);
  std::string usage = spec.key_usage;
  if (usage.empty()) usage = spec.is_ca ? "critical,keyCertSign,cRLSign" : "digitalSignature";
  AddExtension(cert, issuer_cert, NID_key_usage, usage);
  if (spec.is_ca) AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  Check(X509_sign(cert, issuer_key, EVP_sha384()) > 0, "X509_sign");
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  Check(len > 0, "i2d_X509");
  out.der.assign(der, der + len);
  OPENSSL_free(der);
  return out;
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

}  // namespace kb::testing
