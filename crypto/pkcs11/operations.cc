#include "crypto/pkcs11/operations.h"

#include <openssl/core_names.h>

#include "crypto/ossl.h"

namespace kb::pkcs11 {
namespace {

CK_BBOOL kTrue = CK_TRUE;
CK_BBOOL kFalse = CK_FALSE;

CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, CK_BBOOL& value) { return {type, &value, sizeof value}; }
template <typename T>
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, T& value) {
  return {type, &value, sizeof value};
}
CK_ATTRIBUTE Label(std::string& label) { return {CKA_LABEL, label.data(), label.size()}; }

// A pointer for `bytes` that is never null: SoftHSM answers CKR_ARGUMENTS_BAD to a null buffer
// even of length 0 (an empty XKS plaintext), and leaves the operation active on the session.
CK_BYTE_PTR Ptr(ByteSpan bytes) {
  static CK_BYTE empty = 0;
  return bytes.empty() ? &empty : const_cast<CK_BYTE_PTR>(bytes.data());
}

// kConflict if an object of `cls` is labelled `label` already.
Status Unused(Token::Session& s, CK_OBJECT_CLASS cls, std::string_view label) {
  auto existing = s.Find(cls, label);
  if (existing) {
    return Error{ErrorCode::kConflict,
                 "pkcs11: an object labelled '" + std::string(label) + "' exists already"};
  }
  if (existing.error().code != ErrorCode::kKeyNotFound) return std::move(existing).error();
  return Ok();
}

Result<CK_OBJECT_HANDLE> GenerateSecret(Token::Session& s, CK_MECHANISM_TYPE mechanism,
                                        CK_KEY_TYPE type, CK_ATTRIBUTE_TYPE use_a,
                                        CK_ATTRIBUTE_TYPE use_b, std::string_view label,
                                        Lifetime lifetime, CK_BBOOL& extractable = kFalse) {
  if (lifetime == Lifetime::kToken) {
    if (auto u = Unused(s, CKO_SECRET_KEY, label); !u) return std::move(u).error();
  }
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_ULONG size = 32;
  CK_BBOOL persistent = lifetime == Lifetime::kToken ? CK_TRUE : CK_FALSE;
  std::string name(label);
  CK_ATTRIBUTE attrs[] = {Attr(CKA_CLASS, cls), Attr(CKA_KEY_TYPE, type), Attr(CKA_VALUE_LEN, size),
                          Attr(CKA_TOKEN, persistent), Attr(CKA_PRIVATE, kTrue),
                          Attr(CKA_SENSITIVE, kTrue), Attr(CKA_EXTRACTABLE, extractable),
                          // Every use the key is not for is refused explicitly: SoftHSM
                          // defaults CKA_WRAP, CKA_UNWRAP and CKA_SIGN to true.
                          Attr(CKA_ENCRYPT, use_a == CKA_ENCRYPT ? kTrue : kFalse),
                          Attr(CKA_DECRYPT, use_b == CKA_DECRYPT ? kTrue : kFalse),
                          Attr(CKA_SIGN, use_a == CKA_SIGN ? kTrue : kFalse),
                          Attr(CKA_VERIFY, use_b == CKA_VERIFY ? kTrue : kFalse),
                          Attr(CKA_WRAP, kFalse), Attr(CKA_UNWRAP, kFalse),
                          Attr(CKA_DERIVE, kFalse), Label(name)};
  CK_MECHANISM mech{mechanism, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_RV rv = s.fn()->C_GenerateKey(s.handle(), &mech, attrs, std::size(attrs), &key);
  if (rv != CKR_OK) return s.Fail("C_GenerateKey", rv);
  return key;
}

CK_RSA_PKCS_OAEP_PARAMS OaepParams(OaepHash hash) {
  CK_RSA_PKCS_OAEP_PARAMS p{};
  p.hashAlg = hash == OaepHash::kSha256 ? CKM_SHA256 : CKM_SHA_1;
  p.mgf = hash == OaepHash::kSha256 ? CKG_MGF1_SHA256 : CKG_MGF1_SHA1;
  p.source = CKZ_DATA_SPECIFIED;
  return p;
}

// CKA_MODULUS or CKA_PUBLIC_EXPONENT of a public key.
Result<Bytes> BigAttribute(Token::Session& s, CK_OBJECT_HANDLE key, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  CK_RV rv = s.fn()->C_GetAttributeValue(s.handle(), key, &a, 1);
  if (rv != CKR_OK) return s.Fail("C_GetAttributeValue", rv);
  if (a.ulValueLen == 0 || a.ulValueLen > 2048) {
    return Error{ErrorCode::kInternal, "pkcs11: RSA public key attribute of unexpected size"};
  }
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  rv = s.fn()->C_GetAttributeValue(s.handle(), key, &a, 1);
  if (rv != CKR_OK) return s.Fail("C_GetAttributeValue", rv);
  value.resize(a.ulValueLen);
  return value;
}

}  // namespace

Result<CK_OBJECT_HANDLE> GenerateAesKey(Token::Session& s, std::string_view label,
                                        Lifetime lifetime) {
  return GenerateSecret(s, CKM_AES_KEY_GEN, CKK_AES, CKA_ENCRYPT, CKA_DECRYPT, label, lifetime);
}

Result<CK_OBJECT_HANDLE> GenerateHmacKey(Token::Session& s, std::string_view label) {
  return GenerateSecret(s, CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, CKA_SIGN, CKA_VERIFY,
                        label, Lifetime::kToken);
}

Status GcmEncrypt(Token::Session& s, CK_OBJECT_HANDLE key, ByteSpan nonce, ByteSpan aad,
                  ByteSpan plaintext, std::span<uint8_t> out) {
  CK_GCM_PARAMS params{Ptr(nonce), nonce.size(), nonce.size() * 8, Ptr(aad), aad.size(), 128};
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  CK_RV rv = s.fn()->C_EncryptInit(s.handle(), &mech, key);
  if (rv != CKR_OK) return s.Fail("C_EncryptInit", rv);
  CK_ULONG size = out.size();
  rv = s.fn()->C_Encrypt(s.handle(), Ptr(plaintext), plaintext.size(), out.data(), &size);
  if (rv != CKR_OK) return s.Fail("C_Encrypt", rv);
  if (size != plaintext.size() + 16) {
    return Error{ErrorCode::kInternal, "pkcs11: AES-GCM output of unexpected size"};
  }
  return Ok();
}

Result<SecretBytes> GcmDecrypt(Token::Session& s, CK_OBJECT_HANDLE key, ByteSpan nonce,
                               ByteSpan aad, ByteSpan ciphertext_and_tag) {
  if (ciphertext_and_tag.size() < 16) return Error{ErrorCode::kInvalidCiphertext, "too short"};
  CK_GCM_PARAMS params{Ptr(nonce), nonce.size(), nonce.size() * 8, Ptr(aad), aad.size(), 128};
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  CK_RV rv = s.fn()->C_DecryptInit(s.handle(), &mech, key);
  if (rv != CKR_OK) return s.Fail("C_DecryptInit", rv);
  // Some modules want room for the tag too before they know it verifies.
  SecretBytes plain(ciphertext_and_tag.size());
  CK_ULONG size = plain.size();
  rv = s.fn()->C_Decrypt(s.handle(), const_cast<uint8_t*>(ciphertext_and_tag.data()),
                         ciphertext_and_tag.size(), plain.mutable_span().data(), &size);
  // C_DecryptInit took the key, so a failure here is the tag's: SoftHSM 2.6 answers a tag that
  // does not verify with CKR_GENERAL_ERROR, others with CKR_ENCRYPTED_DATA_INVALID. It is the
  // caller's bytes, not the token, and must not make the token count as lost (which a stream of
  // altered ciphertexts could then force again and again).
  if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
      rv == CKR_FUNCTION_FAILED || rv == CKR_GENERAL_ERROR) {
    s.Discard();  // SoftHSM may leave the operation active
    return Error{ErrorCode::kInvalidCiphertext, "the ciphertext does not verify"};
  }
  if (rv != CKR_OK) return s.Fail("C_Decrypt", rv);
  if (size != ciphertext_and_tag.size() - 16) {
    return Error{ErrorCode::kInternal, "pkcs11: AES-GCM output of unexpected size"};
  }
  plain.Truncate(size);
  return plain;
}

Result<SecretBytes> HmacSha256(Token::Session& s, CK_OBJECT_HANDLE key, ByteSpan data) {
  CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
  CK_RV rv = s.fn()->C_SignInit(s.handle(), &mech, key);
  if (rv != CKR_OK) return s.Fail("C_SignInit", rv);
  SecretBytes mac(32);
  CK_ULONG size = mac.size();
  rv = s.fn()->C_Sign(s.handle(), const_cast<uint8_t*>(data.data()), data.size(),
                      mac.mutable_span().data(), &size);
  if (rv != CKR_OK) return s.Fail("C_Sign", rv);
  if (size != 32) return Error{ErrorCode::kInternal, "pkcs11: HMAC of unexpected size"};
  return mac;
}

Result<KeyPair> GenerateRsaKeyPair(Token::Session& s, std::string_view label, CK_ULONG bits) {
  if (auto u = Unused(s, CKO_PRIVATE_KEY, label); !u) return std::move(u).error();
  std::string name(label);
  CK_BYTE exponent[] = {0x01, 0x00, 0x01};
  CK_ATTRIBUTE pub[] = {Attr(CKA_TOKEN, kTrue),
                        Attr(CKA_ENCRYPT, kTrue),
                        Attr(CKA_WRAP, kTrue),
                        Attr(CKA_MODULUS_BITS, bits),
                        {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
                        Label(name)};
  CK_ATTRIBUTE priv[] = {Attr(CKA_TOKEN, kTrue),
                         Attr(CKA_PRIVATE, kTrue),
                         Attr(CKA_SENSITIVE, kTrue),
                         Attr(CKA_EXTRACTABLE, kFalse),
                         Attr(CKA_DECRYPT, kTrue),
                         Attr(CKA_UNWRAP, kTrue),
                         Label(name)};
  CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair pair;
  CK_RV rv = s.fn()->C_GenerateKeyPair(s.handle(), &mech, pub, std::size(pub), priv,
                                       std::size(priv), &pair.public_key, &pair.private_key);
  if (rv != CKR_OK) return s.Fail("C_GenerateKeyPair", rv);
  return pair;
}

Result<Bytes> RsaPublicKeyDer(Token::Session& s, CK_OBJECT_HANDLE public_key) {
  auto n = BigAttribute(s, public_key, CKA_MODULUS);
  if (!n) return std::move(n).error();
  auto e = BigAttribute(s, public_key, CKA_PUBLIC_EXPONENT);
  if (!e) return std::move(e).error();
  OsslPtr<BIGNUM> bn_n(BN_bin2bn(n->data(), int(n->size()), nullptr));
  OsslPtr<BIGNUM> bn_e(BN_bin2bn(e->data(), int(e->size()), nullptr));
  OsslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return Error{ErrorCode::kInternal, OsslErrorString("RSA public key parameters")};
  }
  OsslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("RSA public key from the token")};
  }
  OsslPtr<EVP_PKEY> key(raw);
  return PublicKeyDer(key.get());
}

std::string_view OaepHashName(OaepHash hash) {
  return hash == OaepHash::kSha256 ? "SHA-256" : "SHA-1";
}

Result<SecretBytes> OaepDecrypt(Token::Session& s, CK_OBJECT_HANDLE private_key, OaepHash hash,
                                ByteSpan ciphertext) {
  if (ciphertext.empty()) {
    return Error{ErrorCode::kMalformedRequest, "the wrapped key material is empty"};
  }
  CK_RSA_PKCS_OAEP_PARAMS params = OaepParams(hash);
  CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
  CK_RV rv = s.fn()->C_DecryptInit(s.handle(), &mech, private_key);
  if (rv != CKR_OK) return s.Fail("C_DecryptInit", rv);
  SecretBytes plain(ciphertext.size());
  CK_ULONG size = plain.size();
  rv = s.fn()->C_Decrypt(s.handle(), const_cast<uint8_t*>(ciphertext.data()), ciphertext.size(),
                         plain.mutable_span().data(), &size);
  if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
      rv == CKR_GENERAL_ERROR) {  // SoftHSM 2.6's answer to a bad padding (see GcmDecrypt)
    s.Discard();
    return Error{ErrorCode::kMalformedRequest, "the wrapped key material does not decrypt"};
  }
  if (rv != CKR_OK) return s.Fail("C_Decrypt", rv);
  plain.Truncate(size);
  return plain;
}

Result<CK_OBJECT_HANDLE> OaepUnwrapAesKey(Token::Session& s, CK_OBJECT_HANDLE private_key,
                                          OaepHash hash, ByteSpan wrapped, std::string_view label) {
  if (wrapped.empty()) {
    return Error{ErrorCode::kMalformedRequest, "the wrapped key material is empty"};
  }
  if (auto u = Unused(s, CKO_SECRET_KEY, label); !u) return std::move(u).error();
  CK_RSA_PKCS_OAEP_PARAMS params = OaepParams(hash);
  CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  std::string name(label);
  CK_ATTRIBUTE attrs[] = {Attr(CKA_CLASS, cls),
                          Attr(CKA_KEY_TYPE, type),
                          Attr(CKA_TOKEN, kTrue),
                          Attr(CKA_PRIVATE, kTrue),
                          Attr(CKA_SENSITIVE, kTrue),
                          Attr(CKA_EXTRACTABLE, kFalse),
                          Attr(CKA_ENCRYPT, kTrue),
                          Attr(CKA_DECRYPT, kTrue),
                          Attr(CKA_SIGN, kFalse),
                          Attr(CKA_WRAP, kFalse),
                          Attr(CKA_UNWRAP, kFalse),
                          Attr(CKA_DERIVE, kFalse),
                          Label(name)};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_RV rv =
      s.fn()->C_UnwrapKey(s.handle(), &mech, private_key, const_cast<uint8_t*>(wrapped.data()),
                          wrapped.size(), attrs, std::size(attrs), &key);
  // SoftHSM 2.6 answers a wrap that does not decrypt with CKR_GENERAL_ERROR (see GcmDecrypt).
  if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_WRAPPED_KEY_LEN_RANGE ||
      rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_TEMPLATE_INCONSISTENT ||
      rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_GENERAL_ERROR) {
    s.Discard();
    return Error{ErrorCode::kMalformedRequest,
                 "the wrapped key material does not unwrap to a "
                 "32-byte AES key: " +
                     RvName(rv)};
  }
  if (rv != CKR_OK) return s.Fail("C_UnwrapKey", rv);
  // A token that reports the unwrapped length is held to 32 bytes. SoftHSM 2.6 reports 0 for an
  // unwrapped key (and refuses CKA_VALUE_LEN in the template): there, the importer's wrap alone
  // says how long the key is (docs/keystores.md).
  CK_ULONG size = 0;
  CK_ATTRIBUTE len{CKA_VALUE_LEN, &size, sizeof size};
  rv = s.fn()->C_GetAttributeValue(s.handle(), key, &len, 1);
  if (rv == CKR_OK && size != 0 && size != 32) {
    s.fn()->C_DestroyObject(s.handle(), key);
    return Error{ErrorCode::kMalformedRequest, "a kms key is 32 bytes of key material"};
  }
  return key;
}

Status CheckStaysInToken(Token::Session& s, CK_OBJECT_HANDLE key, CK_KEY_TYPE type,
                         bool made_in_token, std::string_view label) {
  CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
  CK_ULONG size = 0;
  CK_BBOOL extractable = CK_TRUE, sensitive = CK_FALSE, local = CK_FALSE;
  CK_BBOOL never_extractable = CK_FALSE, always_sensitive = CK_FALSE;
  CK_ATTRIBUTE attrs[] = {Attr(CKA_KEY_TYPE, key_type),
                          Attr(CKA_VALUE_LEN, size),
                          Attr(CKA_EXTRACTABLE, extractable),
                          Attr(CKA_SENSITIVE, sensitive),
                          Attr(CKA_LOCAL, local),
                          Attr(CKA_NEVER_EXTRACTABLE, never_extractable),
                          Attr(CKA_ALWAYS_SENSITIVE, always_sensitive)};
  CK_RV rv = s.fn()->C_GetAttributeValue(s.handle(), key, attrs, std::size(attrs));
  if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID) return s.Fail("C_GetAttributeValue", rv);
  std::string what = "pkcs11: '" + std::string(label) + "' ";
  if (key_type != type || (size != 0 && size != 32)) {
    return Error{ErrorCode::kInternal, what + "is not a 32-byte key of the expected type"};
  }
  if (extractable || !sensitive) {
    return Error{ErrorCode::kInternal,
                 what +
                     "could leave the token (CKA_EXTRACTABLE, or not CKA_SENSITIVE); refusing "
                     "to use it"};
  }
  if (made_in_token && !(local && never_extractable && always_sensitive)) {
    return Error{ErrorCode::kInternal,
                 what +
                     "was not generated inside the token (CKA_LOCAL, CKA_NEVER_EXTRACTABLE "
                     "and CKA_ALWAYS_SENSITIVE): its value may be known; refusing to use it"};
  }
  return Ok();
}

Status DestroyObject(Token::Session& s, CK_OBJECT_HANDLE object) {
  CK_RV rv = s.fn()->C_DestroyObject(s.handle(), object);
  if (rv != CKR_OK && rv != CKR_OBJECT_HANDLE_INVALID) return s.Fail("C_DestroyObject", rv);
  return Ok();
}

bool HasMechanism(Token::Session& s, CK_MECHANISM_TYPE mechanism, CK_FLAGS flags) {
  CK_MECHANISM_INFO info{};
  if (s.fn()->C_GetMechanismInfo(s.slot(), mechanism, &info) != CKR_OK) return false;
  return (info.flags & flags) == flags;
}

bool ProbeOaepWrap(Token::Session& s, OaepHash hash) {
  if (!HasMechanism(s, CKM_RSA_PKCS_OAEP, CKF_WRAP)) return false;
  CK_ULONG bits = 2048;
  CK_BYTE exponent[] = {0x01, 0x00, 0x01};
  CK_ATTRIBUTE pub[] = {Attr(CKA_TOKEN, kFalse),
                        Attr(CKA_WRAP, kTrue),
                        Attr(CKA_MODULUS_BITS, bits),
                        {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent}};
  CK_ATTRIBUTE priv[] = {Attr(CKA_TOKEN, kFalse), Attr(CKA_UNWRAP, kTrue)};
  CK_MECHANISM gen{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair pair;
  if (s.fn()->C_GenerateKeyPair(s.handle(), &gen, pub, std::size(pub), priv, std::size(priv),
                                &pair.public_key, &pair.private_key) != CKR_OK) {
    return false;
  }
  // A wrappable session key of no use but the probe, destroyed with the pair.
  auto probe = GenerateSecret(s, CKM_AES_KEY_GEN, CKK_AES, CKA_ENCRYPT, CKA_DECRYPT,
                              "keybroker probe", Lifetime::kSession, kTrue);
  bool wraps = false;
  if (probe) {
    CK_RSA_PKCS_OAEP_PARAMS params = OaepParams(hash);
    CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
    Bytes out(512);
    CK_ULONG size = out.size();
    wraps =
        s.fn()->C_WrapKey(s.handle(), &mech, pair.public_key, *probe, out.data(), &size) == CKR_OK;
    s.fn()->C_DestroyObject(s.handle(), *probe);
  }
  s.fn()->C_DestroyObject(s.handle(), pair.public_key);
  s.fn()->C_DestroyObject(s.handle(), pair.private_key);
  return wraps;
}

}  // namespace kb::pkcs11
