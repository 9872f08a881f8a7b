#include "crypto/ossl.h"

#include <openssl/err.h>

namespace kb {

std::string OsslErrorString(std::string_view context) {
  std::string out(context);
  bool first = true;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += first ? ": " : "; ";
    out += buf;
    first = false;
  }
  return out;
}

void OsslClearErrors() { ERR_clear_error(); }

Result<std::vector<uint8_t>> EcdsaSignatureDer(std::span<const uint8_t> r,
                                               std::span<const uint8_t> s) {
  OsslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* bn_r = BN_bin2bn(r.data(), int(r.size()), nullptr);
  BIGNUM* bn_s = BN_bin2bn(s.data(), int(s.size()), nullptr);
  if (!sig || bn_r == nullptr || bn_s == nullptr || ECDSA_SIG_set0(sig.get(), bn_r, bn_s) != 1) {
    BN_free(bn_r);  // ECDSA_SIG_set0 took neither
    BN_free(bn_s);
    return Error{ErrorCode::kInternal, OsslErrorString("ECDSA_SIG_set0")};
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return Error{ErrorCode::kInternal, OsslErrorString("i2d_ECDSA_SIG")};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<std::vector<uint8_t>> PublicKeyDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return Error{ErrorCode::kInternal, OsslErrorString("i2d_PUBKEY")};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace kb
