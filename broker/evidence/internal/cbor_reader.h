#pragma once

// Typed access to libcbor items for the evidence parsers. Each accessor returns nullopt when the
// item has another type, so a parser can turn every mismatch into a precise error.

#include <cbor.h>

#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/cbor_ptr.h"
#include "common/result.h"

namespace kb::broker::internal {

// ScanCbor, then cbor_load: the bytes must be exactly one item within `max_depth`.
Result<CborPtr> LoadCbor(ByteSpan input, int max_depth);

std::optional<uint64_t> AsUint(const cbor_item_t* item);
// A negative integer -1 - n, returned as n (so -35 is 34).
std::optional<uint64_t> AsNegintMagnitude(const cbor_item_t* item);
std::optional<ByteSpan> AsBytes(const cbor_item_t* item);
std::optional<std::string_view> AsText(const cbor_item_t* item);
bool IsNull(const cbor_item_t* item);

}  // namespace kb::broker::internal
