#include "broker/keys/key_wrapper.h"

#include "broker/keys/cms_envelope.h"
#include "broker/keys/rsa_oaep.h"
#include "broker/keys/rsa_spki.h"

namespace kb::broker {

std::optional<WrapFormat> ParseWrapFormat(std::string_view name) {
  if (name == "cms") return WrapFormat::kCms;
  if (name == "rsa-oaep-256") return WrapFormat::kRsaOaep256;
  return std::nullopt;
}

std::string_view WrapFormatName(WrapFormat format) {
  return format == WrapFormat::kCms ? "cms" : "rsa-oaep-256";
}

Result<KeyWrapper> KeyWrapper::Create() {
  OsslPtr<EVP_CIPHER> aes_256_cbc(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
  if (!aes_256_cbc) return Error{ErrorCode::kInternal, OsslErrorString("AES-256-CBC")};
  return KeyWrapper(std::move(aes_256_cbc));
}

Result<Bytes> KeyWrapper::Wrap(WrapFormat format, ByteSpan spki_der,
                               const SecretBytes& secret) const {
  auto key = ParseRsaSpki(spki_der);
  if (!key) return std::move(key).error();
  if (format == WrapFormat::kCms) {
    return SealEnvelopedData(key->get(), spki_der, secret.span(), aes_256_cbc_.get(), random_);
  }
  return OaepSha256Encrypt(key->get(), secret.span());
}

}  // namespace kb::broker
