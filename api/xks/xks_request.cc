#include "api/xks/xks_request.h"

#include <openssl/crypto.h>

#include <boost/json.hpp>

#include "api/json_input.h"
#include "broker/xks/xks_cipher.h"
#include "common/encoding.h"

namespace kb::api::xks {
namespace {

namespace json = boost::json;

Error TooLarge(std::string_view field) {
  return Error{ErrorCode::kPayloadTooLarge,
               std::string(field) + " is larger than keybroker supports (8192 bytes)"};
}

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidCiphertext, std::move(message)};
}

// A base64 member; nullopt when absent. `code` is the error for a member that is not a string
// of standard padded base64.
Result<std::optional<Bytes>> Base64Field(const json::object& body, std::string_view name,
                                         ErrorCode code) {
  const json::value* v = body.if_contains(name);
  if (v == nullptr) return std::optional<Bytes>();
  auto decoded = v->is_string() ? Base64Decode(v->as_string()) : std::nullopt;
  if (!decoded) return Error{code, std::string(name) + " must be standard padded base64"};
  return std::optional<Bytes>(std::move(*decoded));
}

Status RequireEqual(const json::object& body, std::string_view name, std::string_view value,
                    bool required) {
  const json::value* v = body.if_contains(name);
  if (v == nullptr && !required) return Ok();
  if (v == nullptr || !v->is_string() || v->as_string() != value) {
    return Malformed(std::string(name) + " must be " + std::string(value));
  }
  return Ok();
}

policy::XksRequestMetadata StringMembers(const json::object& metadata) {
  policy::XksRequestMetadata out;
  for (const auto& [name, value] : metadata) {
    if (value.is_string()) out.emplace(std::string(name), std::string(value.as_string()));
  }
  return out;
}

Result<policy::XksRequestMetadata> ReadMetadata(const json::object& body, Operation operation) {
  const json::value* v = body.if_contains("requestMetadata");
  if (v == nullptr || !v->is_object()) return Malformed("requestMetadata must be an object");
  policy::XksRequestMetadata out = StringMembers(v->as_object());
  std::vector<std::string_view> required = {"kmsRequestId", "kmsOperation"};
  if (operation != Operation::kHealth) required.push_back("awsPrincipalArn");
  if (operation == Operation::kEncrypt || operation == Operation::kDecrypt) {
    required.push_back("kmsKeyArn");
  }
  for (std::string_view name : required) {
    if (!out.contains(name)) {
      return Malformed("requestMetadata." + std::string(name) + " is required");
    }
  }
  return out;
}

Status ReadEncrypt(const json::object& body, Request& out) {
  if (auto s = RequireEqual(body, "encryptionAlgorithm", "AES_GCM", true); !s) return s;
  if (auto s = RequireEqual(body, "ciphertextDataIntegrityValueAlgorithm", "SHA_256", false); !s) {
    return s;
  }
  out.integrity = body.contains("ciphertextDataIntegrityValueAlgorithm");
  auto plaintext = Base64Field(body, "plaintext", ErrorCode::kMalformedRequest);
  if (!plaintext) return std::move(plaintext).error();
  if (!*plaintext) return Malformed("plaintext is required");
  SecretBytes secret(**plaintext);
  OPENSSL_cleanse((*plaintext)->data(), (*plaintext)->size());
  if (secret.size() > kMaxDataSize) return TooLarge("plaintext");
  out.plaintext = std::move(secret);
  return Ok();
}

Status ReadDecrypt(const json::object& body, Request& out) {
  if (auto s = RequireEqual(body, "encryptionAlgorithm", "AES_GCM", true); !s) return s;
  struct Field {
    std::string_view name;
    Bytes* into;
    bool required;
  };
  for (const Field& f :
       {Field{"ciphertext", &out.ciphertext, true}, Field{"initializationVector", &out.iv, true},
        Field{"authenticationTag", &out.tag, true},
        Field{"ciphertextMetadata", &out.ciphertext_metadata, false}}) {
    auto value = Base64Field(body, f.name, ErrorCode::kInvalidCiphertext);
    if (!value) return std::move(value).error();
    if (!*value && f.required) return Invalid(std::string(f.name) + " is required");
    if (*value) *f.into = std::move(**value);
  }
  if (out.ciphertext.size() > kMaxDataSize) return TooLarge("ciphertext");
  if (out.ciphertext_metadata.size() > broker::xks::kMaxMetadataSize) {
    return Invalid("ciphertextMetadata is longer than 20 bytes");
  }
  if (out.iv.size() != 12 && out.iv.size() != 16) {
    return Invalid("initializationVector must be 12 or 16 bytes");
  }
  if (out.tag.size() != broker::xks::kTagSize) return Invalid("authenticationTag must be 16 bytes");
  return Ok();
}

}  // namespace

Result<Request> DecodeRequest(Operation operation, std::string_view body) {
  auto object = ParseObject(body, kBodyLimit, 8);
  if (!object) {
    if (object.error().code == ErrorCode::kPayloadTooLarge) return TooLarge("the body");
    return std::move(object).error();
  }
  Request out;
  auto metadata = ReadMetadata(*object, operation);
  if (!metadata) return std::move(metadata).error();
  out.metadata = std::move(*metadata);
  if (operation == Operation::kEncrypt || operation == Operation::kDecrypt) {
    auto aad = Base64Field(*object, "additionalAuthenticatedData", ErrorCode::kMalformedRequest);
    if (!aad) return std::move(aad).error();
    if (*aad) out.aad = std::move(**aad);
    if (out.aad.size() > broker::xks::kMaxAadSize) return TooLarge("additionalAuthenticatedData");
  }
  if (operation == Operation::kEncrypt) {
    if (auto s = ReadEncrypt(*object, out); !s) return std::move(s).error();
  }
  if (operation == Operation::kDecrypt) {
    if (auto s = ReadDecrypt(*object, out); !s) return std::move(s).error();
  }
  return out;
}

policy::XksRequestMetadata PeekMetadata(std::string_view body) {
  auto object = ParseObject(body, kBodyLimit, 8);
  if (!object) return {};
  const json::value* v = object->if_contains("requestMetadata");
  if (v == nullptr || !v->is_object()) return {};
  return StringMembers(v->as_object());
}

}  // namespace kb::api::xks
