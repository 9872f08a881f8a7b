#include "common/ossl.h"

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

Result<std::vector<uint8_t>> PublicKeyDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return Error{ErrorCode::kInternal, OsslErrorString("i2d_PUBKEY")};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace kb
