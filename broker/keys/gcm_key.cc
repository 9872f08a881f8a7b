#include "broker/keys/gcm_key.h"

#include "crypto/aes_gcm.h"

namespace kb::broker {

Status SoftwareGcmKey::Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                            std::span<uint8_t> out) const {
  return AesGcmSeal(key_.span(), nonce, aad, plaintext, out);
}

Result<SecretBytes> SoftwareGcmKey::Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                                         ByteSpan tag) const {
  SecretBytes plaintext(ciphertext.size());
  if (!AesGcmOpen(key_.span(), nonce, aad, ciphertext, tag, plaintext.mutable_span())) {
    return Error{ErrorCode::kInvalidCiphertext, "the tag does not verify"};
  }
  return plaintext;
}

}  // namespace kb::broker
