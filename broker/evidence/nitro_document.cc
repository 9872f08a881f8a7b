#include "broker/evidence/nitro_document.h"

#include <array>
#include <functional>
#include <string_view>

#include "broker/evidence/internal/cbor_reader.h"

namespace kb::broker {
namespace {

using internal::AsBytes;
using internal::AsText;
using internal::AsUint;
using internal::IsNull;

// payload map → pcrs map or cabundle array → leaf values.
constexpr int kPayloadMaxDepth = 2;

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedEvidence, std::move(message)};
}

Result<Bytes> BoundedBytes(const cbor_item_t* item, std::string_view field, size_t min,
                           size_t max) {
  auto bytes = AsBytes(item);
  if (!bytes) return Malformed(std::string(field) + " is not a byte string");
  if (bytes->size() < min || bytes->size() > max) {
    return Malformed(std::string(field) + " has an invalid size");
  }
  return Bytes(bytes->begin(), bytes->end());
}

// null (as real documents send for unset fields) or 0..1024 bytes (public_key: 1..1024).
Result<std::optional<Bytes>> OptionalBytes(const cbor_item_t* item, std::string_view field,
                                           size_t min) {
  if (IsNull(item)) return std::optional<Bytes>();
  auto bytes = BoundedBytes(item, field, min, kMaxOptionalFieldSize);
  if (!bytes) return std::move(bytes).error();
  return std::optional<Bytes>(std::move(*bytes));
}

Status ParseModuleId(const cbor_item_t* item, NitroDocument& doc) {
  auto text = AsText(item);
  if (!text) return Malformed("module_id is not a text string");
  if (text->empty() || text->size() > kMaxModuleIdSize) return Malformed("module_id size");
  for (char c : *text) {
    if (c < 0x21 || c > 0x7e) return Malformed("module_id is not printable ASCII");
  }
  doc.module_id = std::string(*text);
  return Ok();
}

Status ParseDigest(const cbor_item_t* item, NitroDocument& doc) {
  auto text = AsText(item);
  if (!text || *text != "SHA384") return Malformed("digest must be \"SHA384\"");
  doc.digest = std::string(*text);
  return Ok();
}

Status ParseTimestamp(const cbor_item_t* item, NitroDocument& doc) {
  auto ms = AsUint(item);
  // Beyond year 9999 the RFC 3339 output would break; no real document gets near it.
  constexpr uint64_t kMaxMillis = 253402300799999;
  if (!ms || *ms == 0 || *ms > kMaxMillis) return Malformed("timestamp is not a valid uint");
  doc.timestamp = Time(std::chrono::milliseconds(*ms));
  return Ok();
}

Status ParsePcrs(const cbor_item_t* item, NitroDocument& doc) {
  if (!cbor_isa_map(item)) return Malformed("pcrs is not a map");
  size_t size = cbor_map_size(item);
  if (size == 0 || size > kMaxPcrIndex + 1) return Malformed("pcrs must have 1..32 entries");
  const cbor_pair* pairs = cbor_map_handle(item);
  for (size_t i = 0; i < size; ++i) {
    auto index = AsUint(pairs[i].key);
    if (!index || *index > kMaxPcrIndex) return Malformed("PCR index must be 0..31");
    auto value = BoundedBytes(pairs[i].value, "PCR value", kPcrSize, kPcrSize);
    if (!value) return std::move(value).error();
    if (!doc.pcrs.emplace(uint32_t(*index), std::move(*value)).second) {
      return Malformed("duplicate PCR index");
    }
  }
  return Ok();
}

Status ParseCertificate(const cbor_item_t* item, NitroDocument& doc) {
  auto der = BoundedBytes(item, "certificate", 1, kMaxCertificateSize);
  if (!der) return std::move(der).error();
  doc.certificate = std::move(*der);
  return Ok();
}

Status ParseCabundle(const cbor_item_t* item, NitroDocument& doc) {
  if (!cbor_isa_array(item)) return Malformed("cabundle is not an array");
  size_t size = cbor_array_size(item);
  if (size == 0 || size > kMaxCabundleSize) return Malformed("cabundle must have 1..8 entries");
  cbor_item_t** entries = cbor_array_handle(item);
  for (size_t i = 0; i < size; ++i) {
    auto der = BoundedBytes(entries[i], "cabundle entry", 1, kMaxCertificateSize);
    if (!der) return std::move(der).error();
    doc.cabundle.push_back(std::move(*der));
  }
  return Ok();
}

template <std::optional<Bytes> NitroDocument::*kField, size_t kMin>
Status ParseOptional(const cbor_item_t* item, NitroDocument& doc, std::string_view name) {
  auto bytes = OptionalBytes(item, name, kMin);
  if (!bytes) return std::move(bytes).error();
  doc.*kField = std::move(*bytes);
  return Ok();
}

struct Field {
  std::string_view name;
  Status (*parse)(const cbor_item_t*, NitroDocument&, std::string_view);
  bool required;
};

template <Status (*kFn)(const cbor_item_t*, NitroDocument&)>
Status Plain(const cbor_item_t* item, NitroDocument& doc, std::string_view) {
  return kFn(item, doc);
}

constexpr std::array<Field, 10> kFields = {{
    {"module_id", Plain<ParseModuleId>, true},
    {"digest", Plain<ParseDigest>, true},
    {"timestamp", Plain<ParseTimestamp>, true},
    {"pcrs", Plain<ParsePcrs>, false},
    {"nitrotpm_pcrs", Plain<ParsePcrs>, false},
    {"certificate", Plain<ParseCertificate>, true},
    {"cabundle", Plain<ParseCabundle>, true},
    {"public_key", ParseOptional<&NitroDocument::public_key, 1>, false},
    {"user_data", ParseOptional<&NitroDocument::user_data, 0>, false},
    {"nonce", ParseOptional<&NitroDocument::nonce, 0>, false},
}};
constexpr size_t kPcrsField = 3;
constexpr size_t kTpmPcrsField = 4;

}  // namespace

Result<NitroDocument> ParseNitroPayload(ByteSpan payload) {
  auto root = internal::LoadCbor(payload, kPayloadMaxDepth);
  if (!root) return std::move(root).error();
  if (!cbor_isa_map(root->get())) return Malformed("payload is not a map");

  NitroDocument doc{};
  std::array<bool, kFields.size()> seen{};
  size_t size = cbor_map_size(root->get());
  const cbor_pair* pairs = cbor_map_handle(root->get());
  for (size_t i = 0; i < size; ++i) {
    auto key = AsText(pairs[i].key);
    if (!key) return Malformed("payload key is not a text string");
    size_t f = 0;
    while (f < kFields.size() && kFields[f].name != *key) ++f;
    if (f == kFields.size()) return Malformed("unknown payload field");
    if (seen[f]) return Malformed("duplicate payload field " + std::string(*key));
    seen[f] = true;
    if (auto s = kFields[f].parse(pairs[i].value, doc, kFields[f].name); !s) {
      return std::move(s).error();
    }
  }
  for (size_t f = 0; f < kFields.size(); ++f) {
    if (kFields[f].required && !seen[f]) {
      return Malformed("missing payload field " + std::string(kFields[f].name));
    }
  }
  if (seen[kPcrsField] == seen[kTpmPcrsField]) {
    return Malformed("payload must have exactly one of pcrs and nitrotpm_pcrs");
  }
  doc.platform = seen[kTpmPcrsField] ? Platform::kNitroTpm : Platform::kNitroEnclave;
  return doc;
}

}  // namespace kb::broker
