#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "crypto/ossl.h"

namespace kb {

Status OsslRandom::Fill(std::span<uint8_t> out) const {
  if (out.size() > INT_MAX) return Error{ErrorCode::kInternal, "random request too large"};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("RAND_bytes")};
  }
  return Ok();
}

}  // namespace kb
