#include "crypto/keyed_sha256.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace kb {
namespace {

// RFC 4231, test case 2.
TEST(HmacSha256, MatchesRfc4231) {
  auto mac = HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"));
  ASSERT_TRUE(mac);
  EXPECT_EQ(HexEncode(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, DependsOnTheKey) {
  EXPECT_NE(*HmacSha256(AsBytes("key-a"), AsBytes("data")),
            *HmacSha256(AsBytes("key-b"), AsBytes("data")));
}

// RFC 5869, test case 3 (zero-length salt and info).
TEST(HkdfSha256, MatchesRfc5869) {
  Bytes ikm(22, 0x0b);
  auto okm = HkdfSha256(ikm, "", 42);
  ASSERT_TRUE(okm);
  EXPECT_EQ(HexEncode(okm->span()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256, InfoSeparatesUses) {
  Bytes ikm(32, 7);
  auto a = HkdfSha256(ikm, "keybroker audit chain v1", 32);
  auto b = HkdfSha256(ikm, "keybroker kms blob v1", 32);
  ASSERT_TRUE(a && b);
  EXPECT_NE(HexEncode(a->span()), HexEncode(b->span()));
}

}  // namespace
}  // namespace kb
