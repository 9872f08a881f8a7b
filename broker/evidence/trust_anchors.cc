#include "broker/evidence/trust_anchors.h"

#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>

#include "broker/evidence/internal/x509_util.h"
#include "common/encoding.h"
#include "crypto/digest.h"

namespace kb::broker {
namespace {

// AWS_NitroEnclaves_Root-G1.zip, as published by AWS.
constexpr std::string_view kAwsNitroRootG1Pem = R"(-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
)";

Result<Bytes> ToDer(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return Error{ErrorCode::kInternal, OsslErrorString("i2d_X509")};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

TrustAnchors TrustAnchors::AwsNitroDefault() {
  TrustAnchors anchors;
  auto added = anchors.AddPem(kAwsNitroRootG1Pem);
  // The built-in root is a constant of this program: if it does not load or its fingerprint
  // differs from the published one, the binary is broken and must not verify anything.
  if (!added || anchors.size() != 1 ||
      HexEncode(anchors.anchors_[0]->info.sha256) != kAwsNitroRootG1Sha256) {
    std::fprintf(stderr, "fatal: built-in AWS Nitro root does not match its pinned fingerprint\n");
    std::abort();
  }
  return anchors;
}

Status TrustAnchors::AddPem(std::string_view pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return Error{ErrorCode::kInternal, OsslErrorString("BIO_new_mem_buf")};
  size_t added = 0;
  while (true) {
    OsslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (auto s = Add(std::move(cert)); !s) return s;
    ++added;
  }
  OsslClearErrors();  // the loop ends on "no start line"
  if (added == 0) return Error{ErrorCode::kMalformedRequest, "no certificate in trust root PEM"};
  return Ok();
}

Status TrustAnchors::Add(OsslPtr<X509> cert) {
  if (!internal::IsP384Key(X509_get0_pubkey(cert.get()))) {
    return Error{ErrorCode::kMalformedRequest, "trust root must have a P-384 key"};
  }
  uint32_t flags = X509_get_extension_flags(cert.get());
  if ((flags & EXFLAG_CA) == 0 || (flags & EXFLAG_SS) == 0) {
    return Error{ErrorCode::kMalformedRequest, "trust root must be a self-signed CA"};
  }
  auto der = ToDer(cert.get());
  if (!der) return std::move(der).error();
  auto info = internal::DescribeCertificate(cert.get(), Sha256(*der));
  if (!info) return std::move(info).error();
  auto anchor = std::make_unique<TrustAnchor>(
      TrustAnchor{std::move(cert), std::move(*der), std::move(*info), 0});
  anchor->path_len = X509_get_pathlen(anchor->cert.get());
  if (Find(anchor->der) == nullptr) anchors_.push_back(std::move(anchor));
  return Ok();
}

const TrustAnchor* TrustAnchors::Find(ByteSpan der) const {
  for (const auto& anchor : anchors_) {
    // Certificates are public: ordinary comparison is fine here.
    if (anchor->der.size() == der.size() &&
        std::equal(anchor->der.begin(), anchor->der.end(), der.begin())) {
      return anchor.get();
    }
  }
  return nullptr;
}

}  // namespace kb::broker
