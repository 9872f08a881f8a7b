#pragma once

// Ownership of OpenSSL objects from the line they are created: OsslPtr<EVP_PKEY> and friends.
// OpenSSL calls are checked by their return value (`!= 1`, nullptr), never by the error queue;
// on failure, OsslErrorString() drains the queue into a message.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kb {

template <typename T>
struct OsslDeleter;

#define KB_OSSL_DELETER(Type, FreeFn)             \
  template <>                                     \
  struct OsslDeleter<Type> {                      \
    void operator()(Type* p) const { FreeFn(p); } \
  }

KB_OSSL_DELETER(ASN1_OCTET_STRING, ASN1_OCTET_STRING_free);  // also ASN1_STRING
KB_OSSL_DELETER(BIO, BIO_free_all);
KB_OSSL_DELETER(BIGNUM, BN_free);
KB_OSSL_DELETER(CMS_ContentInfo, CMS_ContentInfo_free);
KB_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free);
KB_OSSL_DELETER(EVP_CIPHER, EVP_CIPHER_free);
KB_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
KB_OSSL_DELETER(EVP_KDF, EVP_KDF_free);
KB_OSSL_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free);
KB_OSSL_DELETER(EVP_MD, EVP_MD_free);
KB_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
KB_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
KB_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
KB_OSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free);
KB_OSSL_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free);
KB_OSSL_DELETER(X509, X509_free);
KB_OSSL_DELETER(X509_STORE, X509_STORE_free);
KB_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
KB_OSSL_DELETER(X509_VERIFY_PARAM, X509_VERIFY_PARAM_free);
KB_OSSL_DELETER(STACK_OF(X509), sk_X509_free);  // does not free the certificates

#undef KB_OSSL_DELETER

template <typename T>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T>>;

// "context: <reason>; <reason>" from the thread's OpenSSL error queue, which it empties.
std::string OsslErrorString(std::string_view context);

// The DER SubjectPublicKeyInfo of `key` (its public half).
Result<std::vector<uint8_t>> PublicKeyDer(EVP_PKEY* key);

// An ECDSA signature given as big-endian r and s (COSE's r||s halves, a TPM's TPM2B values),
// DER-encoded as OpenSSL verifies it (ECDSA-Sig-Value).
Result<std::vector<uint8_t>> EcdsaSignatureDer(std::span<const uint8_t> r,
                                               std::span<const uint8_t> s);

// Clears the thread's error queue (after an expected failure, so stale reasons do not leak into
// the next message).
void OsslClearErrors();

}  // namespace kb
