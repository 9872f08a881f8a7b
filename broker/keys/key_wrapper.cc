#include "broker/keys/key_wrapper.h"

#include <openssl/cms.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "broker/keys/rsa_oaep.h"
#include "common/digest.h"
#include "common/ossl.h"

namespace kb::broker {
namespace {

constexpr int kMinRsaBits = 2048;

// RSAES-OAEP-params {hashFunc sha256, maskGenFunc mgf1(sha256)} with explicit NULL parameters,
// byte for byte as KMS writes it. OpenSSL omits the NULLs (also valid, RFC 4055 §2.1); matching
// KMS keeps CiphertextForRecipient identical in form for strict parsers.
constexpr uint8_t kKmsOaepParams[] = {0x30, 0x2f, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
                                      0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1,
                                      0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                      0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
                                      0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00};

Error Internal(std::string_view what) { return Error{ErrorCode::kInternal, OsslErrorString(what)}; }

Result<OsslPtr<EVP_PKEY>> RecipientKey(ByteSpan spki_der) {
  const unsigned char* p = spki_der.data();
  OsslPtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, long(spki_der.size())));
  if (!key || p != spki_der.data() + spki_der.size()) {
    OsslClearErrors();
    return Error{ErrorCode::kUnsupportedPublicKey, "public_key is not a DER SubjectPublicKeyInfo"};
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA ||
      EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return Error{ErrorCode::kUnsupportedPublicKey,
                 "public_key must be RSA with at least 2048 bits"};
  }
  return key;
}

// CMS identifies a recipient by a certificate; the attested environment has only a key. A
// carrier certificate holds the key and the subjectKeyIdentifier that becomes the recipient id.
// It must be complete enough to encode (OpenSSL hashes it while reading its extensions), so it
// is signed with the wrapper's throwaway key; nobody verifies it and it never leaves this file.
Result<OsslPtr<X509>> CarrierCertificate(EVP_PKEY* key, ByteSpan spki_der, EVP_PKEY* signer) {
  OsslPtr<X509> cert(X509_new());
  Sha256Digest ski = Sha256(spki_der);
  OsslPtr<ASN1_OCTET_STRING> id(ASN1_OCTET_STRING_new());
  if (!cert || !id || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      ASN1_OCTET_STRING_set(id.get(), ski.data(), int(ski.size())) != 1 ||
      X509_add1_ext_i2d(cert.get(), NID_subject_key_identifier, id.get(), 0, X509V3_ADD_DEFAULT) !=
          1) {
    return Internal("carrier certificate");
  }
  if (X509_sign(cert.get(), signer, nullptr) <= 0) return Internal("carrier signature");
  return cert;
}

// Replaces the encoding of the recipient's (already applied) OAEP parameters with KMS's.
Status UseKmsOaepEncoding(CMS_RecipientInfo* ri) {
  X509_ALGOR* alg = nullptr;
  OsslPtr<ASN1_STRING> params(ASN1_STRING_new());
  if (CMS_RecipientInfo_ktri_get0_algs(ri, nullptr, nullptr, &alg) != 1 || alg == nullptr ||
      !params || ASN1_STRING_set(params.get(), kKmsOaepParams, sizeof kKmsOaepParams) != 1 ||
      X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsaesOaep), V_ASN1_SEQUENCE, params.get()) != 1) {
    return Internal("OAEP parameters");
  }
  params.release();  // owned by the AlgorithmIdentifier now
  return Ok();
}

Result<Bytes> WrapCms(EVP_PKEY* key, ByteSpan spki_der, const SecretBytes& secret,
                      EVP_PKEY* signer) {
  auto cert = CarrierCertificate(key, spki_der, signer);
  if (!cert) return std::move(cert).error();
  OsslPtr<BIO> content(BIO_new_mem_buf(secret.span().data(), int(secret.size())));
  constexpr unsigned kFlags = CMS_BINARY | CMS_PARTIAL | CMS_KEY_PARAM;
  OsslPtr<CMS_ContentInfo> cms(CMS_encrypt(nullptr, nullptr, EVP_aes_256_cbc(), kFlags));
  if (!content || !cms) return Internal("CMS_encrypt");
  CMS_RecipientInfo* ri =
      CMS_add1_recipient_cert(cms.get(), cert->get(), CMS_KEY_PARAM | CMS_USE_KEYID);
  if (ri == nullptr || !SetOaepSha256(CMS_RecipientInfo_get0_pkey_ctx(ri)) ||
      CMS_final(cms.get(), content.get(), nullptr, CMS_BINARY) != 1) {
    return Internal("CMS recipient");
  }
  if (auto s = UseKmsOaepEncoding(ri); !s) return std::move(s).error();
  unsigned char* der = nullptr;
  int len = i2d_CMS_ContentInfo(cms.get(), &der);
  if (len <= 0) return Internal("i2d_CMS_ContentInfo");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::optional<WrapFormat> ParseWrapFormat(std::string_view name) {
  if (name == "cms") return WrapFormat::kCms;
  if (name == "rsa-oaep-256") return WrapFormat::kRsaOaep256;
  return std::nullopt;
}

std::string_view WrapFormatName(WrapFormat format) {
  return format == WrapFormat::kCms ? "cms" : "rsa-oaep-256";
}

Result<KeyWrapper> KeyWrapper::Create() {
  OsslPtr<EVP_PKEY> signer(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!signer) return Internal("carrier key");
  return KeyWrapper(std::move(signer));
}

Result<Bytes> KeyWrapper::Wrap(WrapFormat format, ByteSpan spki_der,
                               const SecretBytes& secret) const {
  auto key = RecipientKey(spki_der);
  if (!key) return std::move(key).error();
  if (format == WrapFormat::kCms) {
    return WrapCms(key->get(), spki_der, secret, carrier_signer_.get());
  }
  return OaepSha256Encrypt(key->get(), secret.span());
}

}  // namespace kb::broker
