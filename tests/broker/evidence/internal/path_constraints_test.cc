// Each rejection branch of the per-path checks, on synthetic links (the end-to-end cases are in
// cert_chain_verifier_test.cc).

#include "broker/evidence/internal/path_constraints.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

namespace kb::broker::internal {
namespace {

using std::chrono::hours;

const Time kT = *ParseRfc3339("2026-05-01T12:00:00Z");
const CertificateInfo kRoot{"CN=root", kT - hours(1000), kT + hours(1000), {}};

std::shared_ptr<const CertificateLink> Link(bool is_ca, long path_len, uint32_t usage,
                                            Time not_before = kT - hours(1),
                                            Time not_after = kT + hours(1)) {
  return std::make_shared<const CertificateLink>(
      CertificateLink{{"CN=x", not_before, not_after, {}}, is_ca, path_len, usage, nullptr});
}
auto Ca(long path_len = -1) { return Link(true, path_len, KU_KEY_CERT_SIGN); }
auto Leaf() { return Link(false, -1, KU_DIGITAL_SIGNATURE); }

ErrorCode Check(std::vector<std::shared_ptr<const CertificateLink>> links, long root_path_len = -1,
                Time doc = kT, Time now = kT) {
  auto s = CheckPathConstraints(kRoot, root_path_len, links, doc, now);
  return s ? ErrorCode::kInternal : s.error().code;  // kInternal stands for "accepted"
}

constexpr ErrorCode kAccepted = ErrorCode::kInternal;

TEST(PathConstraints, AcceptsAWellFormedPath) {
  EXPECT_EQ(Check({nullptr, Ca(0), Leaf()}), kAccepted);
  EXPECT_EQ(Check({nullptr, Ca(1), Ca(0), Leaf()}, 2), kAccepted);
  EXPECT_EQ(Check({nullptr, Link(false, -1, UINT32_MAX)}), kAccepted);  // no keyUsage extension
}

TEST(PathConstraints, RejectsAnIssuerThatIsNotACa) {
  EXPECT_EQ(Check({nullptr, Leaf(), Leaf()}), ErrorCode::kUntrustedChain);
  EXPECT_EQ(Check({nullptr, Link(true, -1, KU_DIGITAL_SIGNATURE), Leaf()}),
            ErrorCode::kUntrustedChain);
}

TEST(PathConstraints, RejectsALeafThatIsACaOrMayNotSign) {
  EXPECT_EQ(Check({nullptr, Ca(), Ca()}), ErrorCode::kUntrustedChain);
  EXPECT_EQ(Check({nullptr, Ca(), Link(false, -1, KU_KEY_ENCIPHERMENT)}),
            ErrorCode::kUntrustedChain);
}

TEST(PathConstraints, EnforcesPathLengthOfTheRootAndIntermediates) {
  EXPECT_EQ(Check({nullptr, Ca(0), Ca(), Leaf()}), ErrorCode::kUntrustedChain);
  EXPECT_EQ(Check({nullptr, Ca(), Ca(), Leaf()}, 1), ErrorCode::kUntrustedChain);
  EXPECT_EQ(Check({nullptr, Ca(), Ca(), Leaf()}, 2), kAccepted);
}

TEST(PathConstraints, ChecksValidityAtBothTimes) {
  auto expired = Link(false, -1, KU_DIGITAL_SIGNATURE, kT - hours(5), kT - hours(1));
  EXPECT_EQ(Check({nullptr, Ca(), expired}), ErrorCode::kCertificateExpired);
  EXPECT_EQ(Check({nullptr, Ca(), Leaf()}, -1, kT, kT + hours(2)), ErrorCode::kCertificateExpired);
  EXPECT_EQ(Check({nullptr, Ca(), Leaf()}, -1, kT + hours(2), kT), ErrorCode::kCertificateExpired);
  EXPECT_EQ(Check({nullptr, Ca(), Leaf()}, -1, kT, kT + hours(2000)),
            ErrorCode::kCertificateExpired);  // the root too
}

}  // namespace
}  // namespace kb::broker::internal
