#pragma once

// RSAES-OAEP with SHA-256 and MGF1-SHA-256 (KMS's RSAES_OAEP_SHA_256): the wrap of the
// rsa-oaep-256 release format, and of key material imported through import parameters.

#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker {

// Configures an encrypt or decrypt context for OAEP-SHA-256. False on an OpenSSL failure.
bool SetOaepSha256(EVP_PKEY_CTX* ctx);

// kMalformedRequest if the plaintext is too long for the key.
Result<Bytes> OaepSha256Encrypt(EVP_PKEY* public_key, ByteSpan plaintext);
// The same with `md` for the OAEP hash and MGF1 (import wrapping to a token that offers SHA-1
// only).
Result<Bytes> OaepEncrypt(EVP_PKEY* public_key, ByteSpan plaintext, const EVP_MD* md);

// kMalformedRequest if the ciphertext does not decrypt under the key.
Result<SecretBytes> OaepSha256Decrypt(EVP_PKEY* private_key, ByteSpan ciphertext);

}  // namespace kb::broker
