#include "broker/evidence/tpm2_evidence.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "policy/platform.h"

namespace kb::broker {
namespace {

namespace json = boost::json;

constexpr uint32_t kMaxTpmPcrIndex = 23;
constexpr size_t kMaxNonceSize = 64;

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedEvidence, std::move(message)};
}

Result<Bytes> Base64Member(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return Malformed(std::string(key) + " must be a string");
  auto bytes = Base64Decode(std::string_view(v->as_string()));
  if (!bytes || bytes->empty()) return Malformed(std::string(key) + " is not base64");
  return std::move(*bytes);
}

Result<std::map<uint32_t, Bytes>> ParseBank(const json::value& v, size_t size) {
  if (!v.is_object() || v.as_object().empty()) return Malformed("a PCR bank must be an object");
  std::map<uint32_t, Bytes> values;
  for (const auto& [key, hex] : v.as_object()) {
    std::string_view k = key;
    if (k.empty() || k.size() > 2 || (k.size() == 2 && k[0] == '0')) {
      return Malformed("PCR index must be 0..23");
    }
    uint32_t index = 0;
    for (char c : k) {
      if (c < '0' || c > '9') return Malformed("PCR index must be 0..23");
      index = index * 10 + uint32_t(c - '0');
    }
    if (index > kMaxTpmPcrIndex) return Malformed("PCR index must be 0..23");
    if (!hex.is_string()) return Malformed("PCR value must be hex");
    auto value = HexDecode(std::string_view(hex.as_string()));
    if (!value || value->size() != size) return Malformed("PCR value has the wrong size");
    values[index] = std::move(*value);
  }
  return values;
}

}  // namespace

bool IsJsonEvidence(ByteSpan document) {
  for (uint8_t c : document) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return c == '{';
  }
  return false;
}

Result<Tpm2Evidence> ParseTpm2Evidence(ByteSpan bytes) {
  if (bytes.size() > kMaxTpm2EvidenceSize) return Malformed("evidence larger than 64 KiB");
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 4;
  json::value doc = json::parse(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec, {}, options);
  if (ec || !doc.is_object()) return Malformed("evidence is not a JSON object");
  const json::object& o = doc.as_object();
  for (const auto& [key, value] : o) {
    if (key != "type" && key != "quote" && key != "signature" && key != "pcrs" &&
        key != "public_key" && key != "nonce") {
      return Malformed("unknown evidence member " + std::string(key));
    }
  }
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string() ||
      policy::ParsePlatform(type->as_string()) != policy::Platform::kTpm2Quote) {
    return Malformed("type must be tpm2-quote");
  }
  Tpm2Evidence ev;
  for (auto [key, field] : {std::pair{"quote", &ev.quote}, std::pair{"signature", &ev.signature},
                            std::pair{"public_key", &ev.public_key}}) {
    auto decoded = Base64Member(o, key);
    if (!decoded) return std::move(decoded).error();
    *field = std::move(*decoded);
  }
  const json::value* nonce = o.if_contains("nonce");
  if (nonce == nullptr || !nonce->is_string()) return Malformed("nonce must be hex");
  auto nonce_bytes = HexDecode(std::string_view(nonce->as_string()));
  if (!nonce_bytes || nonce_bytes->empty() || nonce_bytes->size() > kMaxNonceSize) {
    return Malformed("nonce must be 1..64 bytes of hex");
  }
  ev.nonce = std::move(*nonce_bytes);
  const json::value* pcrs = o.if_contains("pcrs");
  if (pcrs == nullptr || !pcrs->is_object() || pcrs->as_object().empty()) {
    return Malformed("pcrs must be an object of banks");
  }
  for (const auto& [bank, values] : pcrs->as_object()) {
    if (bank != "sha256" && bank != "sha384") return Malformed("PCR bank must be sha256 or sha384");
    auto parsed = ParseBank(values, bank == "sha256" ? 32 : 48);
    if (!parsed) return std::move(parsed).error();
    ev.pcrs[std::string(bank)] = std::move(*parsed);
  }
  return ev;
}

}  // namespace kb::broker
