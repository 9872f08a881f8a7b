#include <boost/json.hpp>
#include <charconv>

#include "api/admin_handlers.h"
#include "api/error_status.h"
#include "api/json_input.h"
#include "api/release_codec.h"

namespace kb::api::admin {

namespace json = boost::json;

HttpResponse JsonResponse(int status, const json::value& body) {
  return {status, "application/json", json::serialize(body)};
}

HttpResponse ErrorResponse(const Error& error) {
  return {HttpStatus(error.code), "application/json", EncodeError(error)};
}

Result<json::object> JsonBody(const AdminCall& call, size_t max_size) {
  if (call.request.content_type.rfind("application/json", 0) != 0) {
    return Malformed("Content-Type must be application/json");
  }
  return ParseObject(call.request.body, max_size, 8);
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += char(hi * 16 + lo);
    i += 2;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    if (eq == std::string_view::npos) return std::nullopt;
    return PercentDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

Result<uint64_t> QueryNumber(std::string_view query, std::string_view key, uint64_t fallback,
                             uint64_t max) {
  auto text = QueryParam(query, key);
  if (!text) return fallback;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value > max) {
    return Malformed(std::string(key) + " must be a number up to " + std::to_string(max));
  }
  return value;
}

bool IsYamlContentType(std::string_view type) {
  return type.starts_with("text/yaml") || type.starts_with("application/yaml") ||
         type.starts_with("application/x-yaml");
}

HttpResponse WithApprovals(int status, json::object body,
                           const Result<broker::ApprovalStatus>& approvals) {
  if (!approvals) return ErrorResponse(approvals.error());
  body["approval"] = ApprovalJson(*approvals);
  return JsonResponse(status, body);
}

json::object ApprovalJson(const broker::ApprovalStatus& status) {
  json::array approvers;
  for (const auto& name : status.approvers) approvers.emplace_back(name);
  return {{"approvals", std::move(approvers)},
          {"required", status.required},
          {"effective", status.effective}};
}

}  // namespace kb::api::admin
