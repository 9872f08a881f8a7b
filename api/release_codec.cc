#include "api/release_codec.h"

#include <boost/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "common/encoding.h"
#include "policy/reference.h"

namespace kb::api {
namespace json = boost::json;

Result<broker::ReleaseRequest> DecodeReleaseRequest(std::string_view body) {
  auto parsed = ParseObject(body, kReleaseBodyLimit, 4);
  if (!parsed) return std::move(parsed).error();
  const json::object& o = *parsed;
  if (auto s = OnlyMembers(o, {"key_id", "evidence", "format"}); !s) return std::move(s).error();
  broker::ReleaseRequest request;
  auto key_id = StringMember(o, "key_id");
  if (!key_id) return std::move(key_id).error();
  if (!policy::IsValidName(*key_id)) return Malformed("key_id is invalid");
  request.key_id = std::string(*key_id);
  auto evidence = ReadEvidence(o.if_contains("evidence"));
  if (!evidence) return std::move(evidence).error();
  request.evidence_type = std::move(evidence->type);
  request.document = std::move(evidence->document);
  if (o.contains("format")) {
    auto name = StringMember(o, "format");
    if (!name) return std::move(name).error();
    auto format = broker::ParseWrapFormat(*name);
    if (!format) return Malformed("format must be cms or rsa-oaep-256");
    request.format = *format;
  }
  return request;
}

std::string EncodeRelease(const broker::ReleasedKey& r, uint64_t decision_id) {
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
