#pragma once

// The token operations keybroker uses, each on a leased session. Keys are named by their
// CKA_LABEL. Every key keybroker makes is CKA_SENSITIVE and not CKA_EXTRACTABLE: its value can
// neither be read nor wrapped out of the token.

#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/pkcs11/token.h"

namespace kb::pkcs11 {

// A token object (persistent) or a session object (gone when the session closes).
enum class Lifetime { kToken, kSession };

// An AES-256 key for CKM_AES_GCM (and wrap/unwrap). kConflict if the label exists.
Result<CK_OBJECT_HANDLE> GenerateAesKey(Token::Session& s, std::string_view label,
                                        Lifetime lifetime = Lifetime::kToken);
// A 32-byte generic secret for CKM_SHA256_HMAC. kConflict if the label exists.
Result<CK_OBJECT_HANDLE> GenerateHmacKey(Token::Session& s, std::string_view label);

// Writes ciphertext ‖ tag (plaintext.size() + 16 bytes) into `out`. REQUIRES: a 12-byte nonce.
Status GcmEncrypt(Token::Session& s, CK_OBJECT_HANDLE key, ByteSpan nonce, ByteSpan aad,
                  ByteSpan plaintext, std::span<uint8_t> out);
// The plaintext of ciphertext ‖ tag; kInvalidCiphertext if the tag does not verify (and the
// token is not marked lost for it), kInternal for any other failure.
Result<SecretBytes> GcmDecrypt(Token::Session& s, CK_OBJECT_HANDLE key, ByteSpan nonce,
                               ByteSpan aad, ByteSpan ciphertext_and_tag);
// HMAC-SHA-256 of `data` under `key`.
Result<SecretBytes> HmacSha256(Token::Session& s, CK_OBJECT_HANDLE key, ByteSpan data);

struct KeyPair {
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
};
// An RSA key pair of `bits` for decryption and unwrapping, both halves labelled `label`.
Result<KeyPair> GenerateRsaKeyPair(Token::Session& s, std::string_view label, CK_ULONG bits);
// The DER SubjectPublicKeyInfo of an RSA public key object.
Result<Bytes> RsaPublicKeyDer(Token::Session& s, CK_OBJECT_HANDLE public_key);

// The hash of RSAES-OAEP (and of its MGF1).
enum class OaepHash { kSha1, kSha256 };
std::string_view OaepHashName(OaepHash hash);  // "SHA-1" | "SHA-256"

// RSAES-OAEP decryption inside the token: the plaintext enters the caller's memory.
// kMalformedRequest if the ciphertext does not decrypt.
Result<SecretBytes> OaepDecrypt(Token::Session& s, CK_OBJECT_HANDLE private_key, OaepHash hash,
                                ByteSpan ciphertext);
// RSAES-OAEP unwrapping of a 32-byte AES key straight into the token as a token object
// labelled `label`, sensitive and not extractable: the key never enters the caller's memory.
// kMalformedRequest if it does not unwrap, or if the token reports a length other than 32 bytes
// (SoftHSM 2.6 reports none).
Result<CK_OBJECT_HANDLE> OaepUnwrapAesKey(Token::Session& s, CK_OBJECT_HANDLE private_key,
                                          OaepHash hash, ByteSpan wrapped, std::string_view label);

// Checks that `key` is a secret of `type` that cannot leave the token: CKA_SENSITIVE and not
// CKA_EXTRACTABLE, 32 bytes where the token reports a length; with `made_in_token`, also
// CKA_LOCAL, CKA_NEVER_EXTRACTABLE and CKA_ALWAYS_SENSITIVE: generated inside, never readable,
// so that nobody can have planted it with a value they know. kInternal naming what fails.
Status CheckStaysInToken(Token::Session& s, CK_OBJECT_HANDLE key, CK_KEY_TYPE type,
                         bool made_in_token, std::string_view label);

// Destroys an object; a missing one is not an error.
Status DestroyObject(Token::Session& s, CK_OBJECT_HANDLE object);

// Whether the token lists `mechanism` with all of `flags` (CKF_ENCRYPT, CKF_WRAP, …).
bool HasMechanism(Token::Session& s, CK_MECHANISM_TYPE mechanism, CK_FLAGS flags);

// Whether the token can RSAES-OAEP-wrap with `hash`, tried on a throwaway session key pair
// (C_GetMechanismInfo cannot say which hashes a module accepts: SoftHSM 2.6 lists OAEP and
// answers CKR_ARGUMENTS_BAD for SHA-256).
bool ProbeOaepWrap(Token::Session& s, OaepHash hash);

}  // namespace kb::pkcs11
