#include "api/json_input.h"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "common/encoding.h"

namespace kb::api {

namespace json = boost::json;

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

Result<json::object> ParseObject(std::string_view body, size_t max_size, int max_depth) {
  if (body.size() > max_size) {
    return Error{ErrorCode::kPayloadTooLarge, "request body is too large"};
  }
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = std::size_t(max_depth);
  json::value doc = json::parse(body, ec, {}, options);
  if (ec || !doc.is_object()) return Malformed("body is not a JSON object");
  return std::move(doc.as_object());
}

Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Malformed("unknown member " + std::string(key));
    }
  }
  return Ok();
}

Result<std::string_view> StringMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return Malformed(std::string(key) + " must be a string");
  return std::string_view(v->as_string());
}

Result<std::optional<std::string_view>> OptionalString(const json::object& o,
                                                       std::string_view key) {
  if (!o.contains(key)) return std::optional<std::string_view>();
  auto value = StringMember(o, key);
  if (!value) return std::move(value).error();
  return std::optional<std::string_view>(*value);
}

Result<std::optional<int64_t>> OptionalInt(const json::object& o, std::string_view key, int64_t min,
                                           int64_t max) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->is_int64() || v->as_int64() < min || v->as_int64() > max) {
    return Malformed(std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
                     std::to_string(max));
  }
  return std::optional<int64_t>(v->as_int64());
}

Result<Bytes> Base64Member(const json::object& o, std::string_view key) {
  auto text = StringMember(o, key);
  if (!text) return std::move(text).error();
  auto bytes = Base64Decode(*text);
  if (!bytes || bytes->empty()) return Malformed(std::string(key) + " is not base64");
  return std::move(*bytes);
}

Result<broker::EvidenceType> ParseEvidenceType(std::string_view text) {
  if (text == broker::EvidenceTypeName(std::nullopt)) return broker::EvidenceType();
  if (auto platform = policy::ParsePlatform(text)) return broker::EvidenceType(*platform);
  return Error{ErrorCode::kMalformedRequest, "unknown evidence type " + std::string(text)};
}

Result<EvidenceInput> ReadEvidence(const json::value* evidence) {
  if (evidence == nullptr || !evidence->is_object()) return Malformed("evidence must be an object");
  const json::object& e = evidence->as_object();
  if (auto s = OnlyMembers(e, {"type", "document"}); !s) return std::move(s).error();
  auto type = StringMember(e, "type");
  if (!type) return std::move(type).error();
  auto parsed = ParseEvidenceType(*type);
  if (!parsed) return Malformed("evidence.type is unknown");
  auto document = Base64Member(e, "document");
  if (!document) return Malformed("evidence.document is not base64");
  return EvidenceInput{*parsed, std::move(*document)};
}

}  // namespace kb::api
