#include "common/duration.h"

namespace kb {

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  size_t digits = 0;
  long value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    value = value * 10 + (text[digits] - '0');
    if (++digits > 9) return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  std::string_view unit = text.substr(digits);
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  if (unit == "h") return std::chrono::hours(value);
  if (unit == "d") return std::chrono::hours(24 * value);
  return std::nullopt;
}

}  // namespace kb
