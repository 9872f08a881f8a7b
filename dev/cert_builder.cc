#include "dev/cert_builder.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace kb::broker {
namespace {

Error Internal(std::string_view what) { return Error{ErrorCode::kInternal, OsslErrorString(what)}; }

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  bool ok = ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok ? Ok() : Status(Internal("X509 extension"));
}

bool SetTime(ASN1_TIME* field, Time t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  return ASN1_TIME_set(field, time_t(seconds)) != nullptr;
}

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) return "";
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(len));
}

Status SetNames(X509* cert, const CertSpec& spec, X509* issuer) {
  uint8_t serial[16];
  OsslPtr<BIGNUM> bn(BN_new());
  if (RAND_bytes(serial, sizeof serial) != 1 || !bn) return Internal("serial");
  serial[0] &= 0x7f;  // positive
  if (BN_bin2bn(serial, sizeof serial, bn.get()) == nullptr ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return Internal("serial");
  }
  X509_NAME* name = X509_get_subject_name(cert);
  auto cn = reinterpret_cast<const unsigned char*>(spec.common_name.c_str());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert, X509_get_subject_name(issuer ? issuer : cert)) != 1) {
    return Internal("names");
  }
  return Ok();
}

}  // namespace

std::string BuiltCert::CertPem() const {
  return ToPem([](BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); },
               cert.get());
}

std::string BuiltCert::KeyPem() const {
  return ToPem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                        nullptr);
      },
      key.get());
}

Result<OsslPtr<EVP_PKEY>> GenerateKey(KeyType type) {
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
  if (key == nullptr) return Internal("key generation");
  return OsslPtr<EVP_PKEY>(key);
}

Result<BuiltCert> BuildCertificate(const CertSpec& spec, const BuiltCert* issuer) {
  auto key = GenerateKey(spec.key_type);
  if (!key) return std::move(key).error();
  BuiltCert out{OsslPtr<X509>(X509_new()), std::move(*key), {}};
  X509* cert = out.cert.get();
  X509* issuer_cert = issuer ? issuer->cert.get() : cert;
  EVP_PKEY* issuer_key = issuer ? issuer->key.get() : out.key.get();
  if (!cert || X509_set_version(cert, X509_VERSION_3) != 1) return Internal("X509_new");
  if (auto s = SetNames(cert, spec, issuer ? issuer->cert.get() : nullptr); !s) {
    return std::move(s).error();
  }
  if (!SetTime(X509_getm_notBefore(cert), spec.not_before) ||
      !SetTime(X509_getm_notAfter(cert), spec.not_after) ||
      X509_set_pubkey(cert, out.key.get()) != 1) {
    return Internal("validity");
  }
  std::string constraints = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.is_ca && spec.path_len >= 0) constraints += ",pathlen:" + std::to_string(spec.path_len);
  std::string usage = spec.key_usage;
  if (usage.empty()) usage = spec.is_ca ? "critical,keyCertSign,cRLSign" : "digitalSignature";
  if (auto s = AddExtension(cert, issuer_cert, NID_basic_constraints, constraints); !s)
    return s.error();
  if (auto s = AddExtension(cert, issuer_cert, NID_key_usage, usage); !s) return s.error();
  if (!spec.subject_alt_names.empty()) {
    if (auto s = AddExtension(cert, issuer_cert, NID_subject_alt_name, spec.subject_alt_names);
        !s) {
      return s.error();
    }
  }
  if (spec.is_ca) {
    if (auto s = AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash"); !s) {
      return s.error();
    }
  }
  if (X509_sign(cert, issuer_key, EVP_sha384()) <= 0) return Internal("X509_sign");
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return Internal("i2d_X509");
  out.der.assign(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<BuiltCert> LoadCertificate(std::string_view cert_pem, std::string_view key_pem) {
  OsslPtr<BIO> cert_bio(BIO_new_mem_buf(cert_pem.data(), int(cert_pem.size())));
  OsslPtr<BIO> key_bio(BIO_new_mem_buf(key_pem.data(), int(key_pem.size())));
  if (!cert_bio || !key_bio) return Internal("BIO_new_mem_buf");
  BuiltCert out{
      OsslPtr<X509>(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)),
      OsslPtr<EVP_PKEY>(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)),
      {}};
  if (!out.cert || !out.key || X509_check_private_key(out.cert.get(), out.key.get()) != 1) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedRequest, "CA certificate and key do not load or match"};
  }
  unsigned char* der = nullptr;
  int len = i2d_X509(out.cert.get(), &der);
  if (len <= 0) return Internal("i2d_X509");
  out.der.assign(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace kb::broker
