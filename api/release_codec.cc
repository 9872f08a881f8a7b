#include "api/release_codec.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "policy/reference.h"

namespace kb::api {
namespace {

namespace json = boost::json;

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

Result<std::string_view> StringMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return Malformed(std::string(key) + " must be a string");
  return std::string_view(v->as_string());
}

Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Malformed("unknown member " + std::string(key));
    }
  }
  return Ok();
}

Status ReadEvidence(const json::value* evidence, broker::ReleaseRequest& out) {
  if (evidence == nullptr || !evidence->is_object()) return Malformed("evidence must be an object");
  const json::object& e = evidence->as_object();
  if (auto s = OnlyMembers(e, {"type", "document"}); !s) return s;
  auto type = StringMember(e, "type");
  if (!type) return std::move(type).error();
  if (*type != "auto" && *type != "nitro-enclave" && *type != "nitro-tpm" &&
      *type != "tpm2-quote") {
    return Malformed("evidence.type is unknown");
  }
  auto document = StringMember(e, "document");
  if (!document) return std::move(document).error();
  auto bytes = Base64Decode(*document);
  if (!bytes || bytes->empty()) return Malformed("evidence.document is not base64");
  out.evidence_type = std::string(*type);
  out.document = std::move(*bytes);
  return Ok();
}

}  // namespace

Result<broker::ReleaseRequest> DecodeReleaseRequest(std::string_view body) {
  if (body.size() > kMaxReleaseBody) {
    return Error{ErrorCode::kPayloadTooLarge, "request body is too large"};
  }
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 4;
  json::value doc = json::parse(body, ec, {}, options);
  if (ec || !doc.is_object()) return Malformed("body is not a JSON object");
  const json::object& o = doc.as_object();
  if (auto s = OnlyMembers(o, {"key_id", "evidence", "format"}); !s) return std::move(s).error();
  broker::ReleaseRequest request;
  auto key_id = StringMember(o, "key_id");
  if (!key_id) return std::move(key_id).error();
  if (!policy::IsValidName(*key_id)) return Malformed("key_id is invalid");
  request.key_id = std::string(*key_id);
  if (auto s = ReadEvidence(o.if_contains("evidence"), request); !s) return std::move(s).error();
  if (o.contains("format")) {
    auto name = StringMember(o, "format");
    if (!name) return std::move(name).error();
    auto format = broker::ParseWrapFormat(*name);
    if (!format) return Malformed("format must be cms or rsa-oaep-256");
    request.format = *format;
  }
  return request;
}

std::string EncodeRelease(const broker::Release& r, uint64_t decision_id) {
  return json::serialize(
      json::object{{"key_id", r.key_id},
                   {"key_version", r.key_version},
                   {"format", broker::WrapFormatName(r.format)},
                   {"ciphertext_for_recipient", Base64Encode(r.ciphertext_for_recipient)},
                   {"policy", r.policy},
                   {"policy_version", r.policy_version},
                   {"decision_id", std::to_string(decision_id)}});
}

std::string EncodeChallenge(const broker::Challenge& c) {
  return json::serialize(
      json::object{{"nonce", HexEncode(c.nonce)}, {"expires_at", FormatRfc3339(c.expires_at)}});
}

std::string EncodeError(const Error& error, uint64_t decision_id) {
  json::object o{{"error", ErrorCodeName(error.code)}, {"message", error.message}};
  if (decision_id != 0) o["decision_id"] = std::to_string(decision_id);
  return json::serialize(o);
}

}  // namespace kb::api
