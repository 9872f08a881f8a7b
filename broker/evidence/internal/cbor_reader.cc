#include "broker/evidence/internal/cbor_reader.h"

#include "broker/evidence/internal/cbor_scan.h"

namespace kb::broker::internal {

Result<CborPtr> LoadCbor(ByteSpan input, int max_depth) {
  if (auto scanned = ScanCbor(input, max_depth); !scanned) return std::move(scanned).error();
  cbor_load_result load{};
  CborPtr item(cbor_load(input.data(), input.size(), &load));
  if (!item || load.error.code != CBOR_ERR_NONE) {
    // After a successful scan only an allocation failure gets here.
    return Error{ErrorCode::kMalformedEvidence, "CBOR could not be decoded"};
  }
  if (load.read != input.size()) {
    return Error{ErrorCode::kMalformedEvidence, "trailing bytes after CBOR"};
  }
  return item;
}

std::optional<uint64_t> AsUint(const cbor_item_t* item) {
  if (!cbor_isa_uint(item)) return std::nullopt;
  return cbor_get_int(item);
}

std::optional<uint64_t> AsNegintMagnitude(const cbor_item_t* item) {
  if (!cbor_isa_negint(item)) return std::nullopt;
  return cbor_get_int(item);
}

std::optional<ByteSpan> AsBytes(const cbor_item_t* item) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
  return ByteSpan(cbor_bytestring_handle(item), cbor_bytestring_length(item));
}

std::optional<std::string_view> AsText(const cbor_item_t* item) {
  if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                          cbor_string_length(item));
}

bool IsNull(const cbor_item_t* item) { return cbor_is_null(item); }

}  // namespace kb::broker::internal
