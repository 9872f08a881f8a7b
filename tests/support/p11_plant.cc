// kb_p11_plant MODULE TOKEN_LABEL PIN OBJECT_LABEL aes|hmac HEX
//
// Creates a sensitive, non-extractable 32-byte secret key of known value in a token, as its
// owner could before the broker first starts: the memory-scan test (tests/e2e/pkcs11_keystore.sh)
// plants the KEK ("keybroker kek", aes) and its derivation key ("keybroker kdk", hmac) this way,
// so that it knows which bytes must never appear in the broker's memory. Test tooling only.

#include <cstdio>
#include <string>

#include "common/encoding.h"
#include "crypto/pkcs11/token.h"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s MODULE TOKEN_LABEL PIN OBJECT_LABEL aes|hmac HEX\n", argv[0]);
    return 2;
  }
  auto value = kb::HexDecode(argv[6]);
  std::string kind = argv[5];
  if (!value || value->size() != 32 || (kind != "aes" && kind != "hmac")) {
    std::fprintf(stderr, "want aes|hmac and 64 hex digits\n");
    return 2;
  }
  auto token = kb::pkcs11::Token::Open(
      {argv[1], argv[2], kb::SecretBytes(kb::AsBytes(std::string(argv[3]))), 1});
  if (!token) {
    std::fprintf(stderr, "%s\n", token.error().message.c_str());
    return 1;
  }
  auto s = (*token)->Acquire();
  if (!s) return 1;
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = kind == "aes" ? CKK_AES : CKK_GENERIC_SECRET;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::string label = argv[4];
  CK_ATTRIBUTE attrs[] = {{CKA_CLASS, &cls, sizeof cls},
                          {CKA_KEY_TYPE, &type, sizeof type},
                          {CKA_TOKEN, &yes, sizeof yes},
                          {CKA_PRIVATE, &yes, sizeof yes},
                          {CKA_SENSITIVE, &yes, sizeof yes},
                          {CKA_EXTRACTABLE, &no, sizeof no},
                          {kind == "aes" ? CKA_ENCRYPT : CKA_SIGN, &yes, sizeof yes},
                          {kind == "aes" ? CKA_DECRYPT : CKA_VERIFY, &yes, sizeof yes},
                          {CKA_VALUE, value->data(), value->size()},
                          {CKA_LABEL, label.data(), label.size()}};
  CK_OBJECT_HANDLE handle;
  CK_RV rv = s->fn()->C_CreateObject(s->handle(), attrs, std::size(attrs), &handle);
  if (rv != CKR_OK) {
    std::fprintf(stderr, "C_CreateObject: %s\n", kb::pkcs11::RvName(rv).c_str());
    return 1;
  }
  return 0;
}
