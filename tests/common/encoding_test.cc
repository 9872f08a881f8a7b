#include "common/encoding.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

TEST(Hex, RoundTripsAndEncodesLowercase) {
  Bytes data = {0x00, 0x7f, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "007fabff");
  EXPECT_EQ(HexDecode("007FABff"), data);
  EXPECT_EQ(HexDecode(""), Bytes{});
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
  EXPECT_FALSE(HexDecode("0x00"));
  EXPECT_FALSE(HexDecode("a "));
}

struct Base64Case {
  const char* text;
  const char* encoded;
};

class Base64RoundTrip : public ::testing::TestWithParam<Base64Case> {};

TEST_P(Base64RoundTrip, MatchesRfc4648) {
  std::string text = GetParam().text;
  EXPECT_EQ(Base64Encode(AsBytes(text)), GetParam().encoded);
  auto decoded = Base64Decode(GetParam().encoded);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::string(decoded->begin(), decoded->end()), text);
}

// RFC 4648 §10.
INSTANTIATE_TEST_SUITE_P(Rfc4648, Base64RoundTrip,
                         ::testing::Values(Base64Case{"", ""}, Base64Case{"f", "Zg=="},
                                           Base64Case{"fo", "Zm8="}, Base64Case{"foo", "Zm9v"},
                                           Base64Case{"foob", "Zm9vYg=="},
                                           Base64Case{"fooba", "Zm9vYmE="},
                                           Base64Case{"foobar", "Zm9vYmFy"}));

TEST(Base64, AcceptsMissingPadding) { EXPECT_EQ(Base64Decode("Zm8"), Base64Decode("Zm8=")); }

TEST(Base64, RejectsInvalidInput) {
  EXPECT_FALSE(Base64Decode("Zm9v YmFy"));  // whitespace
  EXPECT_FALSE(Base64Decode("Zm9v\n"));
  EXPECT_FALSE(Base64Decode("Z"));     // impossible length
  EXPECT_FALSE(Base64Decode("Zh=="));  // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zm9-"));  // URL alphabet
  EXPECT_FALSE(Base64Decode("Z==="));
  EXPECT_FALSE(Base64Decode("=Zm9"));
}

}  // namespace
}  // namespace kb
