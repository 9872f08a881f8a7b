#include "broker/keys/token_key.h"

#include "crypto/pkcs11/operations.h"

namespace kb::broker {
namespace {

// What the KEK's backend does in the token.
class TokenKek final : public KekBackend {
 public:
  explicit TokenKek(pkcs11::Token& token) : token_(token), kek_(token, kTokenKekLabel) {}
  Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
              std::span<uint8_t> out) const override {
    return kek_.Seal(nonce, aad, plaintext, out);
  }
  Result<SecretBytes> Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                           ByteSpan tag) const override {
    return kek_.Open(nonce, aad, ciphertext, tag);
  }
  Result<SecretBytes> Derive(std::string_view info) const override {
    auto s = token_.Acquire();
    if (!s) return std::move(s).error();
    auto kdk = s->Find(CKO_SECRET_KEY, kTokenKdkLabel);
    if (!kdk) return std::move(kdk).error();
    return pkcs11::HmacSha256(*s, *kdk, AsBytes(info));
  }

 private:
  pkcs11::Token& token_;
  TokenGcmKey kek_;
};

// Checks that the object labelled `label` is a 32-byte secret of `type` that never leaves the
// token. Not that it was generated there: its owner may have created it before the first start
// (docs/keystores.md), as the memory-scan test does to know which bytes to look for.
Status CheckStaysInToken(pkcs11::Token::Session& s, const char* label, CK_KEY_TYPE type) {
  auto key = s.Find(CKO_SECRET_KEY, label);
  if (!key) return std::move(key).error();
  return pkcs11::CheckStaysInToken(s, *key, type, /*made_in_token=*/false, label);
}

}  // namespace

Bytes TokenGcmKey::Aad(ByteSpan aad) const {
  Bytes out(aad_prefix_.begin(), aad_prefix_.end());
  if (!aad_prefix_.empty()) out.push_back(0);
  out.insert(out.end(), aad.begin(), aad.end());
  return out;
}

Status TokenGcmKey::Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                         std::span<uint8_t> out) const {
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto key = s->Find(CKO_SECRET_KEY, label_);
  if (!key) return std::move(key).error();
  return pkcs11::GcmEncrypt(*s, *key, nonce, Aad(aad), plaintext, out);
}

Result<SecretBytes> TokenGcmKey::Open(ByteSpan nonce, ByteSpan aad, ByteSpan ciphertext,
                                      ByteSpan tag) const {
  auto s = token_.Acquire();
  if (!s) return std::move(s).error();
  auto key = s->Find(CKO_SECRET_KEY, label_);
  if (!key) return std::move(key).error();
  Bytes sealed(ciphertext.begin(), ciphertext.end());
  sealed.insert(sealed.end(), tag.begin(), tag.end());
  return pkcs11::GcmDecrypt(*s, *key, nonce, Aad(aad), sealed);
}

Result<Kek> OpenTokenKek(pkcs11::Token& token, bool create) {
  auto s = token.Acquire();
  if (!s) return std::move(s).error();
  auto kek = s->Find(CKO_SECRET_KEY, kTokenKekLabel);
  auto kdk = s->Find(CKO_SECRET_KEY, kTokenKdkLabel);
  for (auto* found : {&kek, &kdk}) {
    if (!*found && found->error().code != ErrorCode::kKeyNotFound) return found->error();
  }
  if (!kek && !kdk && create) {
    if (auto k = pkcs11::GenerateAesKey(*s, kTokenKekLabel); !k) return std::move(k).error();
    if (auto k = pkcs11::GenerateHmacKey(*s, kTokenKdkLabel); !k) return std::move(k).error();
  } else if (!kek || !kdk) {
    return Error{ErrorCode::kInternal,
                 std::string("pkcs11: token '") + token.label() + "' has " +
                     (kek ? "a KEK but no '" + std::string(kTokenKdkLabel) + "'"
                          : "no KEK ('" + std::string(kTokenKekLabel) + "')")};
  }
  if (auto c = CheckStaysInToken(*s, kTokenKekLabel, CKK_AES); !c) return std::move(c).error();
  if (auto c = CheckStaysInToken(*s, kTokenKdkLabel, CKK_GENERIC_SECRET); !c) {
    return std::move(c).error();
  }
  return Kek::FromBackend(std::make_unique<TokenKek>(token));
}

}  // namespace kb::broker
