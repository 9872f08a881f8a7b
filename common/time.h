#pragma once

// Time as milliseconds since the UNIX epoch (UTC), the resolution of Nitro document timestamps,
// and RFC 3339 conversions for the command line and JSON.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kb {

using Time = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-03-06T11:14:18.051Z": always UTC, always milliseconds.
std::string FormatRfc3339(Time t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 't' and 'z' too. Fractions beyond
// milliseconds are truncated. nullopt on anything else, including out-of-range fields.
std::optional<Time> ParseRfc3339(std::string_view text);

}  // namespace kb
