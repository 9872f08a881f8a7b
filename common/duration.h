#pragma once

// Durations as people write them in YAML: "300s", "5m", "1h", "2d", or a plain number of
// seconds.

#include <chrono>
#include <optional>
#include <string_view>

namespace kb {

// nullopt on anything else, on more than 9 digits, or on an unknown unit.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace kb
