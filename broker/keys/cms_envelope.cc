#include "broker/keys/cms_envelope.h"

#include "broker/keys/internal/der.h"
#include "broker/keys/rsa_oaep.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace kb::broker {
namespace {

using internal::Der;
using internal::kDerContext0;
using internal::kDerContext0Constructed;
using internal::kDerOctetString;
using internal::kDerSequence;
using internal::kDerSet;

constexpr size_t kContentKeySize = 32;
constexpr size_t kIvSize = 16;

// The fixed parts, DER-encoded.
constexpr uint8_t kVersion2[] = {0x02, 0x01, 0x02};
constexpr uint8_t kIdEnvelopedData[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                        0xf7, 0x0d, 0x01, 0x07, 0x03};  // 1.2.840.113549.1.7.3
constexpr uint8_t kIdData[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                               0xf7, 0x0d, 0x01, 0x07, 0x01};  // 1.2.840.113549.1.7.1
constexpr uint8_t kIdAes256Cbc[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x01, 0x2a};  // 2.16.840.1.101.3.4.1.42
// AlgorithmIdentifier { id-RSAES-OAEP 1.2.840.113549.1.1.7, RSAES-OAEP-params {
//   [0] hashFunc { sha256, NULL }, [1] maskGenFunc { id-mgf1, { sha256, NULL } } } }.
// OpenSSL omits the NULLs (also valid, RFC 4055 §2.1); KMS writes them.
constexpr uint8_t kRsaesOaepSha256[] = {
    0x30, 0x3c, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x07, 0x30, 0x2f, 0xa0,
    0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
    0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00};

Result<Bytes> AesCbcEncrypt(const EVP_CIPHER* cipher, ByteSpan key, ByteSpan iv,
                            ByteSpan plaintext) {
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes out(plaintext.size() + kIvSize);  // PKCS#7 adds 1 to 16 bytes
  int written = 0, last = 0;
  if (!ctx || plaintext.size() > size_t(INT32_MAX - kIvSize) ||
      EVP_EncryptInit_ex2(ctx.get(), cipher, key.data(), iv.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, plaintext.data(), int(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &last) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("AES-256-CBC")};
  }
  out.resize(size_t(written + last));
  return out;
}

}  // namespace

Result<Bytes> SealEnvelopedData(EVP_PKEY* recipient, ByteSpan recipient_spki, ByteSpan content,
                                const EVP_CIPHER* aes_256_cbc, const Random& random) {
  SecretBytes content_key(kContentKeySize);
  uint8_t iv[kIvSize];
  if (auto s = random.Fill(content_key.mutable_span()); !s) return std::move(s).error();
  if (auto s = random.Fill(iv); !s) return std::move(s).error();
  auto encrypted_key = OaepSha256Encrypt(recipient, content_key.span());
  if (!encrypted_key) return std::move(encrypted_key).error();
  auto encrypted_content = AesCbcEncrypt(aes_256_cbc, content_key.span(), iv, content);
  if (!encrypted_content) return std::move(encrypted_content).error();

  Sha256Digest key_id = Sha256(recipient_spki);
  Bytes recipient_info =
      Der(kDerSet, {Der(kDerSequence, {kVersion2, Der(kDerContext0, {key_id}), kRsaesOaepSha256,
                                       Der(kDerOctetString, {*encrypted_key})})});
  Bytes content_info =
      Der(kDerSequence, {kIdData, Der(kDerSequence, {kIdAes256Cbc, Der(kDerOctetString, {iv})}),
                         Der(kDerContext0, {*encrypted_content})});
  Bytes enveloped = Der(kDerSequence, {kVersion2, recipient_info, content_info});
  return Der(kDerSequence, {kIdEnvelopedData, Der(kDerContext0Constructed, {enveloped})});
}

}  // namespace kb::broker
