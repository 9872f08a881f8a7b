// The strict DER reader and the writer used by key wrapping.

#include "broker/keys/internal/der.h"

#include <gtest/gtest.h>

namespace kb::broker::internal {
namespace {

bool ReadsOne(const Bytes& in, ByteSpan* content) {
  DerReader reader(in);
  return reader.Read(kDerOctetString, content) && reader.empty();
}

TEST(Der, WritesShortAndLongLengthsThatTheReaderReadsBack) {
  for (size_t size : {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u}) {
    Bytes content(size, 0x5a);
    Bytes der = Der(kDerOctetString, {content});
    size_t header = size < 0x80 ? 2 : size < 0x100 ? 3 : size < 0x10000 ? 4 : 5;
    EXPECT_EQ(der.size(), header + size) << size;
    ByteSpan read;
    ASSERT_TRUE(ReadsOne(der, &read)) << size;
    EXPECT_EQ(Bytes(read.begin(), read.end()), content) << size;
  }
}

TEST(Der, ConcatenatesTheParts) {
  Bytes a{1, 2}, b{3};
  EXPECT_EQ(Der(kDerSequence, {a, b, Bytes{}}), (Bytes{0x30, 0x03, 1, 2, 3}));
}

TEST(Der, ReaderRefusesWhatIsNotDer) {
  ByteSpan content;
  EXPECT_FALSE(ReadsOne({}, &content));
  EXPECT_FALSE(ReadsOne({0x04}, &content));                       // no length
  EXPECT_FALSE(ReadsOne({0x04, 0x02, 0x00}, &content));           // runs past the end
  EXPECT_FALSE(ReadsOne({0x04, 0x80, 0x00, 0x00}, &content));     // indefinite length
  EXPECT_FALSE(ReadsOne({0x04, 0x81, 0x01, 0x00}, &content));     // long form for a short length
  EXPECT_FALSE(ReadsOne({0x04, 0x82, 0x00, 0x81}, &content));     // leading zero length octet
  EXPECT_FALSE(ReadsOne({0x04, 0x85, 1, 0, 0, 0, 0}, &content));  // five length octets
  EXPECT_FALSE(ReadsOne({0x04, 0x82, 0x01}, &content));           // truncated length
  Bytes other_tag{0x03, 0x00};
  DerReader reader(other_tag);
  EXPECT_FALSE(reader.Read(kDerOctetString, &content));
  EXPECT_FALSE(reader.empty());  // nothing consumed
  EXPECT_TRUE(reader.Read(0x03, &content));
}

TEST(Der, ReaderGivesTheWholeElement) {
  Bytes der{0x30, 0x01, 0x00, 0x04, 0x00};
  DerReader reader(der);
  ByteSpan content, whole;
  ASSERT_TRUE(reader.Read(kDerSequence, &content, &whole));
  EXPECT_EQ(whole.size(), 3u);
  EXPECT_EQ(content.size(), 1u);
  EXPECT_FALSE(reader.empty());
}

TEST(Der, UnsignedIntegerMagnitude) {
  auto magnitude = [](Bytes content) {
    ByteSpan m = UnsignedIntegerMagnitude(content);
    return Bytes(m.begin(), m.end());
  };
  EXPECT_EQ(magnitude({0x01, 0x00}), (Bytes{0x01, 0x00}));
  EXPECT_EQ(magnitude({0x00, 0x80}), (Bytes{0x80}));
  EXPECT_EQ(magnitude({0x00}), (Bytes{0x00}));
  EXPECT_TRUE(magnitude({}).empty());
  EXPECT_TRUE(magnitude({0x80}).empty());        // negative
  EXPECT_TRUE(magnitude({0x00, 0x7f}).empty());  // not minimal
}

}  // namespace
}  // namespace kb::broker::internal
