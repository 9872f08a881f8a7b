#pragma once

// The nearest of a few known words to a misspelt one, for "did you mean ...?" hints in error
// messages (an unknown configuration key, say).

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace kb {

// Levenshtein distance: the fewest single-character insertions, deletions and substitutions
// that turn `a` into `b`.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if it is close enough to be what was meant: at most 2 edits,
// and at most half the longer word's length (so that "ab" does not suggest "xy"). Ties go
// to the first candidate in order.
std::optional<std::string> NearestWord(std::string_view word,
                                       const std::set<std::string>& candidates);

}  // namespace kb
