#pragma once

// Hex and base64 (RFC 4648, standard alphabet). Decoders are strict: they reject any character
// outside the alphabet, whitespace included, and non-canonical trailing bits, so that each value
// has exactly one accepted spelling.

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace kb {

std::string HexEncode(ByteSpan data);  // lowercase

// RFC 3986 percent-encoding with uppercase hex: unreserved characters (A-Z a-z 0-9 - . _ ~) and
// those in `also_keep` stay as they are; every other byte becomes %XX.
std::string PercentEncode(std::string_view text, std::string_view also_keep = "");
// Accepts either case. nullopt on odd length or a non-hex character.
std::optional<Bytes> HexDecode(std::string_view hex);

std::string Base64Encode(ByteSpan data);  // padded
// Padding is optional, but when present it must be correct.
std::optional<Bytes> Base64Decode(std::string_view text);

}  // namespace kb
