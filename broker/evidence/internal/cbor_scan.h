#pragma once

// A structural pre-scan of untrusted CBOR, run before libcbor builds any item.
//
// libcbor's cbor_load allocates an array's or map's slots from the length the input declares and
// frees items recursively. ScanCbor walks the bytes with libcbor's streaming decoder (no
// allocation) and accepts them only if:
//   - they are exactly one well-formed data item, with no trailing bytes;
//   - nesting (arrays, maps, tags) is at most `max_depth` deep;
//   - every declared array or map size is backed by enough remaining input (an element takes at
//     least one byte), so allocation stays proportional to the input size;
//   - no byte or text string is indefinite-length (chunked); arrays and maps may be.
// After a successful scan, cbor_load of the same bytes is bounded in memory and recursion.

#include "common/bytes.h"
#include "common/result.h"

namespace kb::broker::internal {

Status ScanCbor(ByteSpan input, int max_depth);

}  // namespace kb::broker::internal
