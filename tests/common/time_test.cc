#include "common/time.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

using std::chrono::milliseconds;

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Time(milliseconds(1772795658051))), "2026-03-06T11:14:18.051Z");
  EXPECT_EQ(FormatRfc3339(Time(milliseconds(0))), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339, ParsesWhatItFormats) {
  Time t(milliseconds(1619410153100));
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
}

TEST(Rfc3339, ParsesFractionsAndOffsets) {
  Time t(milliseconds(1772795658000));
  EXPECT_EQ(ParseRfc3339("2026-03-06T11:14:18Z"), t);
  EXPECT_EQ(ParseRfc3339("2026-03-06t11:14:18z"), t);
  EXPECT_EQ(ParseRfc3339("2026-03-06T12:14:18+01:00"), t);
  EXPECT_EQ(ParseRfc3339("2026-03-06T10:44:18-00:30"), t);
  EXPECT_EQ(ParseRfc3339("2026-03-06T11:14:18.5Z"), t + milliseconds(500));
  EXPECT_EQ(ParseRfc3339("2026-03-06T11:14:18.051999Z"), t + milliseconds(51));
}

TEST(Rfc3339, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-03-06", "2026-03-06T11:14:18", "2026-13-06T11:14:18Z", "2026-02-30T11:14:18Z",
        "2026-03-06T24:00:00Z", "2026-03-06T11:60:00Z", "2026-03-06T11:14:18.Z",
        "2026-03-06T11:14:18+1:00", "2026-03-06T11:14:18Zjunk", "2026/03/06T11:14:18Z",
        "+2026-03-06T1:1:1Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace kb
