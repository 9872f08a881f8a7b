#include "broker/evidence/certificate_cache.h"

#include <gtest/gtest.h>

namespace kb::broker {
namespace {

std::shared_ptr<const CertificateLink> Link() {
  return std::make_shared<const CertificateLink>(CertificateLink{{}, false, -1, 0, nullptr});
}

Sha256Digest Digest(uint8_t b) {
  Sha256Digest d{};
  d.fill(b);
  return d;
}

TEST(CertificateCache, FindsOnlyTheExactSubjectIssuerPair) {
  CertificateCache cache(8);
  cache.Insert(Digest(1), Digest(2), Link());
  EXPECT_TRUE(cache.Find(Digest(1), Digest(2)));
  EXPECT_FALSE(cache.Find(Digest(1), Digest(3)));
  EXPECT_FALSE(cache.Find(Digest(2), Digest(1)));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(CertificateCache, IsBoundedAndEvictsTheOldestFirst) {
  CertificateCache cache(3);
  for (uint8_t i = 0; i < 10; ++i) cache.Insert(Digest(i), Digest(100), Link());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Find(Digest(6), Digest(100)));
  EXPECT_TRUE(cache.Find(Digest(7), Digest(100)));
  EXPECT_TRUE(cache.Find(Digest(9), Digest(100)));
}

TEST(CertificateCache, CapacityZeroDisablesIt) {
  CertificateCache cache(0);
  cache.Insert(Digest(1), Digest(2), Link());
  EXPECT_FALSE(cache.Find(Digest(1), Digest(2)));
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace kb::broker
