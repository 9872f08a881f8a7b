#include "crypto/ct.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

TEST(CtEqual, ComparesContentsAndLength) {
  Bytes a = {1, 2, 3}, b = {1, 2, 3}, c = {1, 2, 4}, d = {1, 2};
  EXPECT_TRUE(CtEqual(a, b));
  EXPECT_FALSE(CtEqual(a, c));
  EXPECT_FALSE(CtEqual(a, d));
  EXPECT_TRUE(CtEqual(Bytes{}, Bytes{}));
  EXPECT_FALSE(CtEqual(Bytes{}, a));
}

}  // namespace
}  // namespace kb
