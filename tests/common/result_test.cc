#include "common/result.h"

#include <gtest/gtest.h>

#include <set>

namespace kb {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Error{ErrorCode::kMalformedRequest, "odd"};
  return x / 2;
}

TEST(Result, CarriesValueOrError) {
  auto ok = Half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = Half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(bad.error().message, "odd");
}

TEST(Status, DefaultsToOk) {
  Status s;
  EXPECT_TRUE(s);
  Status e = Error{ErrorCode::kInternal, "x"};
  EXPECT_FALSE(e);
}

TEST(ErrorCodeName, MatchesTheErrorContract) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMalformedEvidence), "malformed_evidence");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnsupportedAlgorithm), "unsupported_algorithm");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kCertificateExpired), "certificate_expired");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUntrustedChain), "untrusted_chain");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kBadSignature), "bad_signature");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNonceMismatch), "nonce_mismatch");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kPayloadTooLarge), "payload_too_large");
}

TEST(ErrorCodeName, EveryCodeHasItsOwnName) {
  std::set<std::string_view> names;
  for (int c = 0; c <= int(ErrorCode::kInternal); ++c) {
    std::string_view name = ErrorCodeName(ErrorCode(c));
    EXPECT_TRUE(names.insert(name).second) << "duplicate wire name " << name << " for code " << c;
  }
}

}  // namespace
}  // namespace kb
