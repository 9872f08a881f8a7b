#include "crypto/ct.h"

#include <openssl/crypto.h>

namespace kb {

bool CtEqual(ByteSpan a, ByteSpan b) {
  // Lengths of digests and nonces are public; only the contents need constant time.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kb
