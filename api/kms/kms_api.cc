#include "api/kms/kms_api.h"

#include <boost/json.hpp>
#include <variant>

#include "api/json_input.h"
#include "api/kms/sigv4.h"
#include "api/routes.h"
#include "common/encoding.h"
#include "crypto/ossl.h"

namespace kb::api::kms {
namespace {

namespace json = boost::json;

constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kTargetPrefix = "TrentService.";

HttpResponse Answer(int status, json::object body, const HttpRequest& request) {
  HttpResponse r{status, std::string(kContentType), json::serialize(body)};
  r.headers.emplace_back("x-amzn-RequestId", request.request_id);
  return r;
}

HttpResponse Fault(std::string_view type, std::string message, const HttpRequest& request,
                   int status = 400) {
  return Answer(status, json::object{{"__type", type}, {"message", std::move(message)}}, request);
}

// The KMS exception for an error of the broker.
HttpResponse Fault(const Error& e, const HttpRequest& request) {
  switch (e.code) {
    case ErrorCode::kKeyNotFound:
    case ErrorCode::kNotFound:
      return Fault("NotFoundException", e.message, request);
    case ErrorCode::kKeyDisabled:
      return Fault("DisabledException", e.message, request);
    case ErrorCode::kInvalidCiphertext:
      return Fault("InvalidCiphertextException", e.message, request);
    case ErrorCode::kIncorrectKey:
      return Fault("IncorrectKeyException", e.message, request);
    case ErrorCode::kWrongKeyPurpose:  // AWS's answer for a key of another KeyUsage
      return Fault("InvalidKeyUsageException", e.message, request);
    case ErrorCode::kForbidden:
    case ErrorCode::kUnauthorized:
    case ErrorCode::kPolicyDenied:
      return Fault("AccessDeniedException", e.message, request);
    case ErrorCode::kRateLimited:
      return Fault("ThrottlingException", e.message, request);
    case ErrorCode::kInternal: {
      HttpResponse r = Fault("KMSInternalException", "internal error", request, 500);
      r.log_detail = e.message;  // the cause, for the operator's log only
      return r;
    }
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kMalformedRequest:
      return Fault("ValidationException", e.message, request);
    default:  // the attestation document did not verify
      return Fault(
          "ValidationException",
          "the Recipient attestation document was rejected: " + std::string(ErrorCodeName(e.code)),
          request);
  }
}

Result<broker::EncryptionContext> ReadContext(const json::object& body) {
  broker::EncryptionContext context;
  const json::value* v = body.if_contains("EncryptionContext");
  if (v == nullptr) return context;
  if (!v->is_object()) return Malformed("EncryptionContext must be an object of strings");
  for (const auto& [name, value] : v->as_object()) {
    if (!value.is_string()) return Malformed("EncryptionContext values must be strings");
    context.emplace(std::string(name), std::string(value.as_string()));
  }
  return context;
}

// The attestation document of a Recipient, if one is given.
Result<std::optional<Bytes>> ReadRecipient(const json::object& body) {
  const json::value* v = body.if_contains("Recipient");
  if (v == nullptr) return std::optional<Bytes>();
  if (!v->is_object()) return Malformed("Recipient must be an object");
  const json::object& r = v->as_object();
  if (auto s = OnlyMembers(r, {"KeyEncryptionAlgorithm", "AttestationDocument"}); !s) {
    return std::move(s).error();
  }
  auto algorithm = OptionalString(r, "KeyEncryptionAlgorithm");
  if (!algorithm) return std::move(algorithm).error();
  if (*algorithm && **algorithm != "RSAES_OAEP_SHA_256") {
    return Malformed("KeyEncryptionAlgorithm must be RSAES_OAEP_SHA_256");
  }
  auto document = Base64Member(r, "AttestationDocument");
  if (!document) return std::move(document).error();
  return std::optional<Bytes>(std::move(*document));
}

// Members KMS accepts that keybroker refuses rather than ignores.
Status RefuseUnsupported(const json::object& body) {
  if (const json::value* g = body.if_contains("GrantTokens");
      g != nullptr && !(g->is_array() && g->as_array().empty())) {
    return Error{ErrorCode::kForbidden, "grants are not supported"};
  }
  if (const json::value* d = body.if_contains("DryRun");
      d != nullptr && d->is_bool() && d->as_bool()) {
    return Error{ErrorCode::kMalformedRequest, "DryRun is not supported"};
  }
  if (auto algorithm = OptionalString(body, "EncryptionAlgorithm");
      !algorithm || (*algorithm && **algorithm != "SYMMETRIC_DEFAULT")) {
    return Malformed("EncryptionAlgorithm must be SYMMETRIC_DEFAULT");
  }
  return Ok();
}

json::string Base64(ByteSpan data) { return json::string(Base64Encode(data)); }

void Put(json::object& out, const broker::Delivered& d) {
  if (d.plaintext) out["Plaintext"] = Base64(d.plaintext->span());
  if (d.ciphertext_for_recipient)
    out["CiphertextForRecipient"] = Base64(*d.ciphertext_for_recipient);
}

json::object Metadata(const broker::KmsKey& k, const broker::KmsLocation& where) {
  return {{"AWSAccountId", where.account_id},
          {"KeyId", k.id},
          {"Arn", k.arn},
          {"CreationDate", double(k.created_at.time_since_epoch().count()) / 1000.0},
          {"Enabled", k.enabled},
          {"Description", ""},
          {"KeyUsage", "ENCRYPT_DECRYPT"},
          {"KeyState", k.enabled ? "Enabled" : "Disabled"},
          {"Origin", k.origin == "imported" ? "EXTERNAL" : "AWS_KMS"},
          {"KeyManager", "CUSTOMER"},
          {"CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"},
          {"KeySpec", "SYMMETRIC_DEFAULT"},
          {"EncryptionAlgorithms", json::array{"SYMMETRIC_DEFAULT"}},
          {"MultiRegion", false}};
}

}  // namespace

// The operations (kms_api.h), bound to their X-Amz-Target in the route table (routes.cc).

HttpResponse DescribeKey(Call& c) {
  if (auto s = OnlyMembers(c.body, {"KeyId", "GrantTokens"}); !s)
    return Fault(s.error(), c.request);
  auto reference = StringMember(c.body, "KeyId");
  if (!reference) return Fault(reference.error(), c.request);
  auto key = c.services.kms.Describe(*reference, c.who);
  if (!key) return Fault(key.error(), c.request);
  return Answer(200, {{"KeyMetadata", Metadata(*key, c.services.kms.location())}}, c.request);
}

HttpResponse ListKeys(Call& c) {
  if (auto s = OnlyMembers(c.body, {"Limit", "Marker"}); !s) return Fault(s.error(), c.request);
  auto keys = c.services.kms.List(c.who);
  if (!keys) return Fault(keys.error(), c.request);
  json::array out;
  for (const auto& k : *keys) out.push_back(json::object{{"KeyId", k.id}, {"KeyArn", k.arn}});
  return Answer(200, {{"Keys", std::move(out)}, {"Truncated", false}}, c.request);
}

// Every key answers to alias/<its id>.
HttpResponse ListAliases(Call& c) {
  if (auto s = OnlyMembers(c.body, {"KeyId", "Limit", "Marker"}); !s) {
    return Fault(s.error(), c.request);
  }
  auto keys = c.services.kms.List(c.who);
  if (!keys) return Fault(keys.error(), c.request);
  json::array out;
  for (const auto& k : *keys) {
    out.push_back(json::object{{"AliasName", "alias/" + k.id},
                               {"AliasArn", c.services.kms.AliasArn(k.id)},
                               {"TargetKeyId", k.id}});
  }
  return Answer(200, {{"Aliases", std::move(out)}, {"Truncated", false}}, c.request);
}

HttpResponse Encrypt(Call& c) {
  if (auto s = OnlyMembers(c.body, {"KeyId", "Plaintext", "EncryptionContext", "GrantTokens",
                                    "EncryptionAlgorithm", "DryRun"});
      !s) {
    return Fault(s.error(), c.request);
  }
  auto reference = StringMember(c.body, "KeyId");
  auto plaintext = Base64Member(c.body, "Plaintext");
  auto context = ReadContext(c.body);
  if (!reference) return Fault(reference.error(), c.request);
  if (!plaintext) return Fault(plaintext.error(), c.request);
  if (!context) return Fault(context.error(), c.request);
  auto sealed = c.services.kms.Encrypt(*reference, *plaintext, *context, c.who);
  OPENSSL_cleanse(plaintext->data(), plaintext->size());
  if (!sealed) return Fault(sealed.error(), c.request);
  return Answer(200,
                {{"KeyId", sealed->key_arn},
                 {"CiphertextBlob", Base64(sealed->blob)},
                 {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"}},
                c.request);
}

HttpResponse Decrypt(Call& c) {
  if (auto s = OnlyMembers(c.body, {"CiphertextBlob", "KeyId", "EncryptionContext", "GrantTokens",
                                    "EncryptionAlgorithm", "Recipient", "DryRun"});
      !s) {
    return Fault(s.error(), c.request);
  }
  auto blob = Base64Member(c.body, "CiphertextBlob");
  auto reference = OptionalString(c.body, "KeyId");
  auto context = ReadContext(c.body);
  auto recipient = ReadRecipient(c.body);
  if (!blob) return Fault(blob.error(), c.request);
  if (!reference) return Fault(reference.error(), c.request);
  if (!context) return Fault(context.error(), c.request);
  if (!recipient) return Fault(recipient.error(), c.request);
  auto opened = c.services.kms.Decrypt(*blob, *reference, *context, *recipient, c.who);
  if (!opened) return Fault(opened.error(), c.request);
  json::object out{{"KeyId", opened->key_arn}, {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
  Put(out, opened->secret);
  return Answer(200, std::move(out), c.request);
}

namespace {

// KeySpec (AES_256 | AES_128) or NumberOfBytes, exactly one.
Result<size_t> DataKeySize(const json::object& body) {
  auto spec = OptionalString(body, "KeySpec");
  if (!spec) return std::move(spec).error();
  auto bytes = OptionalInt(body, "NumberOfBytes", 1, 1024);
  if (!bytes) return std::move(bytes).error();
  if (spec->has_value() == bytes->has_value()) {
    return Malformed("give exactly one of KeySpec and NumberOfBytes");
  }
  if (*bytes) return size_t(**bytes);
  if (**spec == "AES_256") return size_t(32);
  if (**spec == "AES_128") return size_t(16);
  return Malformed("KeySpec must be AES_256 or AES_128");
}

HttpResponse GenerateDataKeyWith(Call& c, bool deliver) {
  if (auto s = OnlyMembers(c.body, {"KeyId", "KeySpec", "NumberOfBytes", "EncryptionContext",
                                    "GrantTokens", "Recipient", "DryRun"});
      !s) {
    return Fault(s.error(), c.request);
  }
  auto reference = StringMember(c.body, "KeyId");
  auto size = DataKeySize(c.body);
  auto context = ReadContext(c.body);
  auto recipient = ReadRecipient(c.body);
  if (!reference) return Fault(reference.error(), c.request);
  if (!size) return Fault(size.error(), c.request);
  if (!context) return Fault(context.error(), c.request);
  if (!recipient) return Fault(recipient.error(), c.request);
  if (!deliver && *recipient) {
    return Fault("ValidationException", "Recipient is for operations that return plaintext",
                 c.request);
  }
  auto made =
      c.services.kms.GenerateDataKey(*reference, *size, *context, deliver, *recipient, c.who);
  if (!made) return Fault(made.error(), c.request);
  json::object out{{"KeyId", made->key_arn}, {"CiphertextBlob", Base64(made->blob)}};
  if (made->secret) Put(out, *made->secret);
  return Answer(200, std::move(out), c.request);
}

}  // namespace

HttpResponse GenerateDataKey(Call& c) { return GenerateDataKeyWith(c, true); }
HttpResponse GenerateDataKeyWithoutPlaintext(Call& c) { return GenerateDataKeyWith(c, false); }

HttpResponse GenerateRandom(Call& c) {
  if (auto s = OnlyMembers(c.body, {"NumberOfBytes", "CustomKeyStoreId", "Recipient"}); !s) {
    return Fault(s.error(), c.request);
  }
  if (c.body.contains("CustomKeyStoreId")) {
    return Fault("UnsupportedOperationException", "custom key stores are not supported", c.request);
  }
  auto bytes = OptionalInt(c.body, "NumberOfBytes", 1, 1024);
  auto recipient = ReadRecipient(c.body);
  if (!bytes) return Fault(bytes.error(), c.request);
  if (!*bytes) return Fault("ValidationException", "NumberOfBytes is required", c.request);
  if (!recipient) return Fault(recipient.error(), c.request);
  auto random = c.services.kms.GenerateRandom(size_t(**bytes), *recipient, c.who);
  if (!random) return Fault(random.error(), c.request);
  json::object out;
  Put(out, *random);
  return Answer(200, std::move(out), c.request);
}

namespace {

std::string_view HeaderValue(const HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "";
}

// The principal of a valid signature; a KMS fault otherwise.
std::variant<broker::Principal, HttpResponse> Authenticate(const HttpRequest& request,
                                                           KmsServices& services, Time now) {
  std::optional<broker::Principal> principal;
  SignedRequest signed_request{request.method, request.target, request.query, request.headers,
                               request.body};
  auto verified = Verify(signed_request, services.kms.location().region, now,
                         [&](const std::string& id) -> Result<SecretBytes> {
                           auto owner = services.access_keys.Lookup(id);
                           if (!owner) return std::move(owner).error();
                           principal = owner->principal;
                           return std::move(owner->secret);
                         });
  if (!verified) {
    switch (verified.error().code) {
      case ErrorCode::kMalformedRequest:
        return Fault("IncompleteSignatureException", verified.error().message, request);
      case ErrorCode::kUnauthorized:
        return Fault("UnrecognizedClientException", verified.error().message, request);
      case ErrorCode::kInternal:
        return Fault(verified.error(), request);
      default:
        return Fault("InvalidSignatureException", verified.error().message, request);
    }
  }
  if (!principal->HasAny(broker::Roles({broker::Role::kKmsUser}))) {
    return Fault("AccessDeniedException", "the principal lacks the kms-user role", request);
  }
  return *principal;
}

}  // namespace

bool IsKmsRequest(const HttpRequest& request) {
  if (request.method != "POST" || request.target != "/") return false;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-amz-target") return true;
  }
  return false;
}

HttpResponse Throttled(const HttpRequest& request, int retry_after_seconds) {
  HttpResponse r = Fault("ThrottlingException", "too many requests; retry later", request);
  r.retry_after_seconds = retry_after_seconds;
  return r;
}

HttpResponse RouteKms(const HttpRequest& request, KmsServices& services, Time now) {
  std::string_view target = HeaderValue(request, "x-amz-target");
  if (!target.starts_with(kTargetPrefix)) {
    return Fault("UnknownOperationException", "X-Amz-Target must be TrentService.<Operation>",
                 request);
  }
  std::string_view name = target.substr(kTargetPrefix.size());
  const RouteEntry* operation = FindKmsOperation(name);
  auto who = Authenticate(request, services, now);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  if (operation == nullptr) {
    return Fault("UnsupportedOperationException",
                 "keybroker does not implement " + std::string(name), request);
  }
  if (!request.content_type.starts_with(kContentType)) {
    return Fault("ValidationException", "Content-Type must be application/x-amz-json-1.1", request);
  }
  auto body = ParseObject(request.body.empty() ? "{}" : request.body, operation->body_limit, 8);
  if (!body) return Fault(body.error(), request);
  if (auto s = RefuseUnsupported(*body); !s) return Fault(s.error(), request);
  Call call{request, services,
            broker::KmsCall{std::get<broker::Principal>(who).name, request.request_id, now},
            std::move(*body)};
  return operation->on_kms(call);
}

}  // namespace kb::api::kms
