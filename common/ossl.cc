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

}  // namespace kb
