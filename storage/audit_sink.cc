#include "storage/audit_sink.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/encoding.h"

namespace kb::storage {
namespace {

namespace json = boost::json;

constexpr size_t kMaxLine = 64 * 1024;  // rows hold ids, digests and short reasons
constexpr size_t kFields = 17;

Error Malformed(const std::string& why) {
  return Error{ErrorCode::kMalformedRequest, "audit line: " + why};
}

Result<std::string> Text(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return Malformed(std::string(name) + " must be a string");
  return std::string(v->as_string());
}

Result<uint64_t> Number(const json::object& o, const char* name, uint64_t max) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return Malformed(std::string(name) + " is missing");
  if (v->is_uint64() && v->as_uint64() <= max) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0 && uint64_t(v->as_int64()) <= max) {
    return uint64_t(v->as_int64());
  }
  return Malformed(std::string(name) + " must be a number from 0 to " + std::to_string(max));
}

Result<Bytes> Hex(const json::object& o, const char* name) {
  auto text = Text(o, name);
  if (!text) return std::move(text).error();
  auto bytes = HexDecode(*text);
  if (!bytes) return Malformed(std::string(name) + " must be hex");
  return std::move(*bytes);
}

Status Digest(const json::object& o, const char* name, Sha256Digest& out) {
  auto bytes = Hex(o, name);
  if (!bytes) return std::move(bytes).error();
  if (bytes->size() != out.size()) return Malformed(std::string(name) + " must be 32 bytes");
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return Ok();
}

Status ReadTexts(const json::object& o, AuditRecord& r) {
  const std::pair<const char*, std::string*> texts[] = {{"actor", &r.actor},
                                                        {"action", &r.action},
                                                        {"key_id", &r.key_id},
                                                        {"policy", &r.policy},
                                                        {"evidence_type", &r.evidence_type},
                                                        {"decision", &r.decision},
                                                        {"reasons", &r.reasons},
                                                        {"request_id", &r.request_id}};
  for (const auto& [name, field] : texts) {
    auto text = Text(o, name);
    if (!text) return std::move(text).error();
    *field = std::move(*text);
  }
  return Ok();
}

Status ReadNumbers(const json::object& o, AuditRecord& r) {
  auto seq = Number(o, "seq", uint64_t(INT64_MAX));
  auto key_version = Number(o, "key_version", UINT32_MAX);
  auto policy_version = Number(o, "policy_version", UINT32_MAX);
  if (!seq) return std::move(seq).error();
  if (!key_version) return std::move(key_version).error();
  if (!policy_version) return std::move(policy_version).error();
  r.seq = *seq;
  r.key_version = uint32_t(*key_version);
  r.policy_version = uint32_t(*policy_version);
  auto time = Text(o, "time");
  if (!time) return std::move(time).error();
  auto parsed = ParseRfc3339(*time);
  if (!parsed) return Malformed("time must be RFC 3339");
  r.time = *parsed;
  return Ok();
}

Status ReadBlobs(const json::object& o, AuditRecord& r) {
  auto evidence = Hex(o, "evidence_sha256");
  if (!evidence) return std::move(evidence).error();
  auto claims = Hex(o, "claims_sha256");
  if (!claims) return std::move(claims).error();
  r.evidence_sha256 = std::move(*evidence);
  r.claims_sha256 = std::move(*claims);
  if (auto s = Digest(o, "prev_mac", r.prev_hash); !s) return s;
  return Digest(o, "mac", r.hash);
}

}  // namespace

std::string AuditLine(const AuditRecord& r) {
  return json::serialize(json::object{{"seq", r.seq},
                                      {"time", FormatRfc3339(r.time)},
                                      {"actor", r.actor},
                                      {"action", r.action},
                                      {"key_id", r.key_id},
                                      {"key_version", r.key_version},
                                      {"policy", r.policy},
                                      {"policy_version", r.policy_version},
                                      {"evidence_type", r.evidence_type},
                                      {"evidence_sha256", HexEncode(r.evidence_sha256)},
                                      {"claims_sha256", HexEncode(r.claims_sha256)},
                                      {"decision", r.decision},
                                      {"reasons", r.reasons},
                                      {"request_id", r.request_id},
                                      {"prev_mac", HexEncode(r.prev_hash)},
                                      {"mac", HexEncode(r.hash)},
                                      {"chain", "hmac-sha256"}});
}

Result<AuditRecord> ParseAuditLine(std::string_view line) {
  if (line.size() > kMaxLine) return Malformed("longer than 64 KiB");
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return Malformed("not a JSON object");
  const json::object& o = v.as_object();
  if (o.size() != kFields) return Malformed("unknown or missing members");
  const json::value* chain = o.if_contains("chain");
  if (chain == nullptr || !chain->is_string() || chain->as_string() != "hmac-sha256") {
    return Malformed("chain must be hmac-sha256");
  }
  AuditRecord r;
  if (auto s = ReadTexts(o, r); !s) return s.error();
  if (auto s = ReadNumbers(o, r); !s) return s.error();
  if (auto s = ReadBlobs(o, r); !s) return s.error();
  return r;
}

}  // namespace kb::storage
