#include "broker/evidence/internal/x509_util.h"

#include <openssl/asn1.h>
#include <openssl/core_names.h>

#include <cstring>

namespace kb::broker::internal {
namespace {

std::optional<Time> ToTime(const ASN1_TIME* asn1) {
  struct tm tm {};
  if (asn1 == nullptr || ASN1_TIME_to_tm(asn1, &tm) != 1) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(tm.tm_year + 1900),
                                  std::chrono::month(unsigned(tm.tm_mon + 1)),
                                  std::chrono::day(unsigned(tm.tm_mday))};
  if (!ymd.ok()) return std::nullopt;
  return Time(std::chrono::sys_days(ymd)) + std::chrono::hours(tm.tm_hour) +
         std::chrono::minutes(tm.tm_min) + std::chrono::seconds(tm.tm_sec);
}

Result<std::string> NameToString(const X509_NAME* name) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return Error{ErrorCode::kInternal, OsslErrorString("X509_NAME_print_ex")};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, data + (len > 0 ? len : 0));
}

}  // namespace

Result<OsslPtr<X509>> ParseDerCertificate(ByteSpan der) {
  const unsigned char* p = der.data();
  OsslPtr<X509> cert(d2i_X509(nullptr, &p, long(der.size())));
  if (!cert) {
    OsslClearErrors();
    return Error{ErrorCode::kMalformedEvidence, "certificate is not valid DER"};
  }
  if (p != der.data() + der.size()) {
    return Error{ErrorCode::kMalformedEvidence, "trailing bytes after certificate"};
  }
  return cert;
}

Result<CertificateInfo> DescribeCertificate(X509* cert, const Sha256Digest& der_sha256) {
  auto subject = NameToString(X509_get_subject_name(cert));
  if (!subject) return std::move(subject).error();
  auto not_before = ToTime(X509_get0_notBefore(cert));
  auto not_after = ToTime(X509_get0_notAfter(cert));
  if (!not_before || !not_after) {
    return Error{ErrorCode::kMalformedEvidence, "certificate has an invalid validity period"};
  }
  return CertificateInfo{std::move(*subject), *not_before, *not_after, der_sha256};
}

bool IsP384Key(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
      1) {
    OsslClearErrors();
    return false;
  }
  return std::strcmp(group, "secp384r1") == 0;
}

bool ValidAt(const CertificateInfo& info, Time at) {
  return info.not_before <= at && at <= info.not_after;
}

}  // namespace kb::broker::internal
