// The XKS request decoder: what each operation requires, and the error each refusal becomes.

#include "api/xks/xks_request.h"

#include <gtest/gtest.h>

namespace kb::api::xks {
namespace {

const std::string kMetadata =
    R"("requestMetadata": {"kmsRequestId": "r", "kmsOperation": "Encrypt", "awsPrincipalArn": "a", )"
    R"("kmsKeyArn": "k", "tags": {"ignored": "object"}, "futureField": "kept"})";

ErrorCode CodeOf(Operation op, const std::string& body) {
  auto decoded = DecodeRequest(op, body);
  EXPECT_FALSE(decoded) << body;
  return decoded ? ErrorCode::kInternal : decoded.error().code;
}

std::string Encrypt(const std::string& fields) {
  return "{" + kMetadata + R"(, "encryptionAlgorithm": "AES_GCM")" + fields + "}";
}

std::string Decrypt(const std::string& fields) {
  return "{" + kMetadata + R"(, "encryptionAlgorithm": "AES_GCM", "ciphertext": "",)" +
         R"( "initializationVector": "AAAAAAAAAAAAAAAA", "authenticationTag": "AAAAAAAAAAAAAAAAAAAAAA==")" +
         fields + "}";
}

std::string Base64OfSize(size_t bytes) {
  std::string out;
  for (size_t i = 0; i < bytes / 3; ++i) out += "AAAA";
  if (bytes % 3 == 1) out += "AA==";
  if (bytes % 3 == 2) out += "AAA=";
  return out;
}

TEST(XksRequest, KeepsTheMetadataStringsAndIgnoresUnknownMembers) {
  auto r = DecodeRequest(Operation::kEncrypt, Encrypt(R"(, "plaintext": "", "newMember": 1)"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.at("futureField"), "kept");
  EXPECT_FALSE(r->metadata.contains("tags"));
  EXPECT_EQ(r->plaintext.size(), 0u);
  EXPECT_FALSE(r->integrity);
  auto health = DecodeRequest(Operation::kHealth,
                              R"({"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "X"}})");
  EXPECT_TRUE(health);
}

TEST(XksRequest, AcceptsTheSpecificationsSizes) {
  auto r = DecodeRequest(Operation::kEncrypt,
                         Encrypt(R"(, "plaintext": ")" + Base64OfSize(4300) +
                                 R"(", "additionalAuthenticatedData": ")" + Base64OfSize(8192) +
                                 R"(", "ciphertextDataIntegrityValueAlgorithm": "SHA_256")"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->plaintext.size(), 4300u);
  EXPECT_EQ(r->aad.size(), 8192u);
  EXPECT_TRUE(r->integrity);
  EXPECT_EQ(CodeOf(Operation::kEncrypt, Encrypt(R"(, "plaintext": ")" + Base64OfSize(8193) + "\"")),
            ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(
      CodeOf(Operation::kEncrypt, Encrypt(R"(, "plaintext": "", "additionalAuthenticatedData": ")" +
                                          Base64OfSize(8193) + "\"")),
      ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(CodeOf(Operation::kDecrypt,
                   Decrypt("").replace(Decrypt("").find(R"("ciphertext": "")"), 16,
                                       R"("ciphertext": ")" + Base64OfSize(8193) + "\"")),
            ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(CodeOf(Operation::kEncrypt, std::string(70 * 1024, ' ')), ErrorCode::kPayloadTooLarge);
}

TEST(XksRequest, RefusesWhatTheSpecificationRequires) {
  const ErrorCode kValidation = ErrorCode::kMalformedRequest;
  EXPECT_EQ(CodeOf(Operation::kHealth, "[]"), kValidation);
  EXPECT_EQ(CodeOf(Operation::kHealth, R"({"requestMetadata": {"kmsOperation": "X"}})"),
            kValidation);
  EXPECT_EQ(CodeOf(Operation::kMetadata,
                   R"({"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "X"}})"),
            kValidation);  // awsPrincipalArn
  EXPECT_EQ(
      CodeOf(Operation::kEncrypt,
             R"({"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "X", )"
             R"("awsPrincipalArn": "a"}, "plaintext": "", "encryptionAlgorithm": "AES_GCM"})"),
      kValidation);                                                  // kmsKeyArn
  EXPECT_EQ(CodeOf(Operation::kEncrypt, Encrypt("")), kValidation);  // plaintext
  EXPECT_EQ(CodeOf(Operation::kEncrypt, Encrypt(R"(, "plaintext": "!!")")), kValidation);
  EXPECT_EQ(CodeOf(Operation::kEncrypt, Encrypt(R"(, "plaintext": 5)")), kValidation);
  EXPECT_EQ(CodeOf(Operation::kEncrypt,
                   "{" + kMetadata + R"(, "encryptionAlgorithm": "AES_CBC", "plaintext": ""})"),
            kValidation);
  EXPECT_EQ(CodeOf(Operation::kEncrypt,
                   Encrypt(R"(, "plaintext": "", "ciphertextDataIntegrityValueAlgorithm": "MD5")")),
            kValidation);
  EXPECT_EQ(CodeOf(Operation::kDecrypt, Decrypt(R"(, "additionalAuthenticatedData": "%")")),
            kValidation);
}

TEST(XksRequest, ACiphertextKeybrokerNeverWroteIsInvalidCiphertext) {
  EXPECT_TRUE(DecodeRequest(Operation::kDecrypt, Decrypt("")));
  const ErrorCode kInvalid = ErrorCode::kInvalidCiphertext;
  std::string body = Decrypt("");
  auto without = [&](const std::string& member) {
    std::string copy = body;
    size_t at = copy.find("\"" + member + "\"");
    size_t end = copy.find(',', at);
    if (end == std::string::npos) end = copy.find('}', at) - 1;
    return copy.erase(at, end - at + 1);
  };
  EXPECT_EQ(CodeOf(Operation::kDecrypt, without("initializationVector")), kInvalid);
  EXPECT_EQ(CodeOf(Operation::kDecrypt, without("ciphertext")), kInvalid);
  EXPECT_EQ(CodeOf(Operation::kDecrypt,
                   Decrypt(R"(, "ciphertextMetadata": ")" + Base64OfSize(21) + "\"")),
            kInvalid);
  std::string short_tag = body;
  short_tag.replace(short_tag.find("AAAAAAAAAAAAAAAAAAAAAA=="), 24, "AAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(CodeOf(Operation::kDecrypt, short_tag), kInvalid);
  std::string bad_iv = body;
  bad_iv.replace(bad_iv.find("AAAAAAAAAAAAAAAA"), 16, "AAAA");
  EXPECT_EQ(CodeOf(Operation::kDecrypt, bad_iv), kInvalid);
}

}  // namespace
}  // namespace kb::api::xks
