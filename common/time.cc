#include "common/time.h"

#include <cstdio>

namespace kb {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Reads exactly `width` digits at `pos`.
std::optional<int> Digits(std::string_view s, size_t pos, size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool CharAt(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

// Parses the zone designator at `pos`; returns the offset east of UTC.
std::optional<minutes> Zone(std::string_view s, size_t pos) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return minutes(0);
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':') {
    return std::nullopt;
  }
  auto hh = Digits(s, pos + 1, 2);
  auto mm = Digits(s, pos + 4, 2);
  if (!hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
  minutes offset = hours(*hh) + minutes(*mm);
  return s[pos] == '-' ? -offset : offset;
}

}  // namespace

std::string FormatRfc3339(Time t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss<milliseconds> hms(t - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

std::optional<Time> ParseRfc3339(std::string_view s) {
  auto year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  auto hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (!CharAt(s, 4, '-') || !CharAt(s, 7, '-') || !CharAt(s, 13, ':') || !CharAt(s, 16, ':')) {
    return std::nullopt;
  }
  if (!CharAt(s, 10, 'T') && !CharAt(s, 10, 't')) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(*year), std::chrono::month(unsigned(*month)),
                                  std::chrono::day(unsigned(*day))};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;

  size_t pos = 19;
  int millis = 0;
  if (CharAt(s, pos, '.')) {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (size_t n = pos - start; n < 3; ++n) millis *= 10;
  }
  auto offset = Zone(s, pos);
  if (!offset) return std::nullopt;
  // A leap second (":60") is folded into the next second, as POSIX time does.
  return Time(std::chrono::sys_days(ymd)) + hours(*hour) + minutes(*minute) + seconds(*second) +
         milliseconds(millis) - *offset;
}

}  // namespace kb
