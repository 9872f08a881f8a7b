#include "crypto/digest.h"

#include <openssl/sha.h>

namespace kb {

// SHA256()/SHA384() cannot fail for in-memory input; they use the default provider.
Sha256Digest Sha256(ByteSpan data) {
  Sha256Digest out;
  SHA256(data.data(), data.size(), out.data());
  return out;
}

Sha384Digest Sha384(ByteSpan data) {
  Sha384Digest out;
  SHA384(data.data(), data.size(), out.data());
  return out;
}

}  // namespace kb
