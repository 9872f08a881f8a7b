#include "broker/evidence/cert_chain_verifier.h"

#include <openssl/x509v3.h>

#include "broker/evidence/internal/path_constraints.h"
#include "broker/evidence/internal/x509_util.h"
#include "crypto/digest.h"

namespace kb::broker {
namespace {

Error Untrusted(std::string message) {
  return Error{ErrorCode::kUntrustedChain, std::move(message)};
}

Error FromVerifyError(int code) {
  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Error{ErrorCode::kCertificateExpired, "certificate not valid at the document time"};
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
      return Error{ErrorCode::kMalformedEvidence, "certificate has an invalid validity field"};
    default:
      return Untrusted(std::string("chain verification failed: ") +
                       X509_verify_cert_error_string(code));
  }
}

Result<std::shared_ptr<const CertificateLink>> DescribeLink(OsslPtr<X509> cert,
                                                            const Sha256Digest& fingerprint) {
  if (!internal::IsP384Key(X509_get0_pubkey(cert.get()))) {
    return Untrusted("certificate key is not P-384");
  }
  auto info = internal::DescribeCertificate(cert.get(), fingerprint);
  if (!info) return std::move(info).error();
  OsslPtr<EVP_PKEY> key(X509_get_pubkey(cert.get()));
  bool is_ca = (X509_get_extension_flags(cert.get()) & EXFLAG_CA) != 0;
  long path_len = X509_get_pathlen(cert.get());
  uint32_t key_usage = X509_get_key_usage(cert.get());
  if (!is_ca) cert.reset();  // leaves never anchor a path: do not keep them
  return std::make_shared<const CertificateLink>(CertificateLink{
      std::move(*info), is_ca, path_len, key_usage, std::move(key), std::move(cert)});
}

}  // namespace

Result<VerifiedChain> CertChainVerifier::Verify(std::span<const ByteSpan> path, Time document_time,
                                                Time now) const {
  if (path.size() < 2) return Untrusted("certificate path has no leaf");
  const TrustAnchor* anchor = anchors_.Find(path[0]);
  if (anchor == nullptr) return Untrusted("first cabundle certificate is not a trusted root");

  std::vector<Sha256Digest> fingerprints(path.size());
  fingerprints[0] = anchor->info.sha256;
  for (size_t i = 1; i < path.size(); ++i) fingerprints[i] = Sha256(path[i]);

  // Trust flows from the root: use the cached prefix of links, verify the rest.
  std::vector<std::shared_ptr<const CertificateLink>> links(path.size());
  size_t first_unverified = 1;
  while (first_unverified < path.size()) {
    auto link = cache_.Find(fingerprints[first_unverified], fingerprints[first_unverified - 1]);
    if (!link) break;
    links[first_unverified++] = std::move(link);
  }
  if (first_unverified < path.size()) {
    auto verified =
        VerifyWithOpenSsl(*anchor, path, fingerprints, first_unverified, document_time, links);
    if (!verified) return std::move(verified).error();
  }
  if (auto s =
          internal::CheckPathConstraints(anchor->info, anchor->path_len, links, document_time, now);
      !s)
    return std::move(s).error();

  VerifiedChain chain;
  chain.certificates.reserve(path.size());
  chain.certificates.push_back(anchor->info);
  for (size_t i = 1; i < path.size(); ++i) chain.certificates.push_back(links[i]->info);
  chain.leaf = links.back();
  return chain;
}

Status CertChainVerifier::VerifyWithOpenSsl(
    const TrustAnchor& anchor, std::span<const ByteSpan> path,
    std::span<const Sha256Digest> fingerprints, size_t first, Time document_time,
    std::vector<std::shared_ptr<const CertificateLink>>& links) const {
  // A cached issuer stands in for the root: its own path was verified when it was cached.
  X509* trusted = first > 1 ? links[first - 1]->ca_cert.get() : anchor.cert.get();
  if (trusted == nullptr) return Untrusted("issuer certificate is not a CA");
  std::vector<OsslPtr<X509>> certs(path.size());
  OsslPtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
  if (!untrusted) return Error{ErrorCode::kInternal, OsslErrorString("sk_X509_new_null")};
  for (size_t i = first; i < path.size(); ++i) {
    auto cert = internal::ParseDerCertificate(path[i]);
    if (!cert) return std::move(cert).error();
    certs[i] = std::move(*cert);
    if (i + 1 < path.size() && sk_X509_push(untrusted.get(), certs[i].get()) <= 0) {
      return Error{ErrorCode::kInternal, OsslErrorString("sk_X509_push")};
    }
  }

  OsslPtr<X509_STORE> store(X509_STORE_new());
  OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), trusted) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), certs.back().get(), untrusted.get()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("X509_STORE_CTX_init")};
  }
  // A cached intermediate is trusted because its own path was verified before.
  if (first > 1) X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  auto seconds = std::chrono::floor<std::chrono::seconds>(document_time).time_since_epoch();
  X509_STORE_CTX_set_time(ctx.get(), 0, time_t(seconds.count()));
  if (X509_verify_cert(ctx.get()) != 1) {
    int code = X509_STORE_CTX_get_error(ctx.get());
    OsslClearErrors();
    return FromVerifyError(code);
  }

  // OpenSSL finds issuers in any order; the cabundle order is part of the format, and a path
  // other than the one given (e.g. skipping a certificate) is not what the document claims.
  STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
  size_t expected = path.size() - first + 1;
  if (built == nullptr || size_t(sk_X509_num(built)) != expected) {
    return Untrusted("cabundle is not in root-to-leaf order");
  }
  for (size_t k = 0; k < expected; ++k) {
    X509* want = (k + 1 == expected) ? trusted : certs[path.size() - 1 - k].get();
    if (sk_X509_value(built, int(k)) != want) {
      return Untrusted("cabundle is not in root-to-leaf order");
    }
  }

  for (size_t i = first; i < path.size(); ++i) {
    auto link = DescribeLink(std::move(certs[i]), fingerprints[i]);
    if (!link) return std::move(link).error();
    links[i] = *link;
    cache_.Insert(fingerprints[i], fingerprints[i - 1], std::move(*link));
  }
  return Ok();
}

}  // namespace kb::broker
