#include "broker/evidence/internal/cbor_scan.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace kb::broker::internal {
namespace {

Status Scan(const std::string& hex, int depth = 4) { return ScanCbor(*HexDecode(hex), depth); }

TEST(ScanCbor, AcceptsWellFormedItems) {
  EXPECT_TRUE(Scan("00"));
  EXPECT_TRUE(Scan("a0"));
  EXPECT_TRUE(Scan("80"));
  EXPECT_TRUE(Scan("8301820203a1616101"));
  EXPECT_TRUE(Scan("bf6161f6ff"));          // indefinite map
  EXPECT_TRUE(Scan("9f0102ff"));            // indefinite array
  EXPECT_TRUE(Scan("d81800"));              // tag
  EXPECT_TRUE(Scan("fb3ff0000000000000"));  // double
}

TEST(ScanCbor, RejectsDepthBeyondTheLimit) {
  EXPECT_TRUE(Scan("81818100", 3));
  EXPECT_FALSE(Scan("8181818100", 3));
  EXPECT_FALSE(Scan("9f9f9f9fffffffff", 3));
  EXPECT_FALSE(Scan("d818d818d818d81800", 3));
}

TEST(ScanCbor, RejectsDeclaredSizesTheInputCannotHold) {
  EXPECT_FALSE(Scan("830102"));
  EXPECT_FALSE(Scan("a2010203"));
  EXPECT_FALSE(Scan("9affffffff00"));
  EXPECT_FALSE(Scan("5a0000ffff00"));
}

TEST(ScanCbor, RejectsIndefiniteStringsTrailingBytesAndStrayBreaks) {
  EXPECT_FALSE(Scan("5f4100ff"));
  EXPECT_FALSE(Scan("7f6161ff"));
  EXPECT_FALSE(Scan("0000"));
  EXPECT_FALSE(Scan("ff"));
  EXPECT_FALSE(Scan("bf01ff"));  // key without value
  EXPECT_FALSE(Scan("1c"));      // reserved additional info
  EXPECT_FALSE(ScanCbor({}, 4));
}

TEST(ScanCbor, HandlesAMillionNestedArraysWithoutRecursion) {
  Bytes deep(1000000, 0x81);
  deep.push_back(0);
  EXPECT_FALSE(ScanCbor(deep, 16));
}

}  // namespace
}  // namespace kb::broker::internal
