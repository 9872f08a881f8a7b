#include "common/bytes.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace kb {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>, "secrets are never copied implicitly");
static_assert(!std::is_copy_assignable_v<SecretBytes>);

TEST(SecretBytes, MoveLeavesTheSourceEmpty) {
  Bytes key = {1, 2, 3, 4};
  SecretBytes a(key);
  SecretBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT: testing the moved-from state
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b.span()[3], 4);
  SecretBytes c;
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT
  EXPECT_EQ(c.size(), 4u);
}

TEST(SecretBytes, CloneIsExplicitAndEqual) {
  SecretBytes a(Bytes{9, 8, 7});
  SecretBytes b = a.Clone();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(std::equal(a.span().begin(), a.span().end(), b.span().begin()));
}

}  // namespace
}  // namespace kb
