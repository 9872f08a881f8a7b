#include "broker/keys/kek.h"

#include <gtest/gtest.h>

namespace kb::broker {
namespace {

Kek MakeKek(uint8_t fill) {
  return std::move(Kek::FromBytes(SecretBytes(Bytes(32, fill)))).value();
}

SecretBytes Secret() { return SecretBytes(Bytes{1, 2, 3, 4, 5, 6, 7, 8}); }

Bytes Contents(const SecretBytes& s) { return Bytes(s.span().begin(), s.span().end()); }

TEST(Kek, SealsAndUnseals) {
  Kek kek = MakeKek(7);
  auto sealed = kek.Seal("model-weights", 3, Secret(), OsslRandom());
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 1 + 12 + 8 + 16u);
  auto opened = kek.Unseal("model-weights", 3, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Contents(*opened), Contents(Secret()));
}

TEST(Kek, SealingTwiceGivesDifferentBlobs) {
  Kek kek = MakeKek(7);
  EXPECT_NE(*kek.Seal("k", 1, Secret(), OsslRandom()), *kek.Seal("k", 1, Secret(), OsslRandom()));
}

TEST(Kek, RefusesAnotherKeyIdVersionOrKek) {
  Kek kek = MakeKek(7);
  Bytes sealed = *kek.Seal("model-weights", 3, Secret(), OsslRandom());
  EXPECT_FALSE(kek.Unseal("model-weight", 3, sealed));
  EXPECT_FALSE(kek.Unseal("model-weights", 4, sealed));
  EXPECT_FALSE(MakeKek(8).Unseal("model-weights", 3, sealed));
}

TEST(Kek, RefusesAlteredBlobs) {
  Kek kek = MakeKek(7);
  Bytes sealed = *kek.Seal("k", 1, Secret(), OsslRandom());
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes altered = sealed;
    altered[i] ^= 0x01;
    auto r = kek.Unseal("k", 1, altered);
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  }
  EXPECT_FALSE(kek.Unseal("k", 1, Bytes(sealed.begin(), sealed.end() - 1)));
  EXPECT_FALSE(kek.Unseal("k", 1, Bytes{}));
}

TEST(Kek, MustBe32Bytes) {
  EXPECT_FALSE(Kek::FromBytes(SecretBytes(31)));
  EXPECT_FALSE(Kek::FromBytes(SecretBytes(33)));
  EXPECT_TRUE(Kek::FromBytes(SecretBytes(32)));
}

}  // namespace
}  // namespace kb::broker
