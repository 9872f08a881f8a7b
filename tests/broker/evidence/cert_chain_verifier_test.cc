// Chain and cache behaviour with a test PKI: each property the verifier checks has a certificate
// that violates it, tried with a cold cache and after the rest of the path was cached.

#include "broker/evidence/cert_chain_verifier.h"

#include <gtest/gtest.h>

#include "broker/evidence/nitro_verifier.h"
#include "tests/support/test_pki.h"

namespace kb::broker {
namespace {

using std::chrono::hours;
using testing::CertSpec;
using testing::KeyType;
using testing::MakeCert;
using testing::TestCert;

const Time kT = *ParseRfc3339("2026-05-01T12:00:00Z");

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() : chain_(testing::MakeChain(kT)), anchors_(TrustAnchors::Empty()), cache_(64) {
    EXPECT_TRUE(anchors_.AddPem(chain_.root.CertPem()));
  }

  Result<VerifiedEvidence> VerifyDoc(const TestCert& leaf, std::vector<Bytes> cabundle,
                                     Time doc_time, Time now, EVP_PKEY* signer = nullptr) {
    auto fields = testing::MakeDocumentFields(chain_, doc_time);
    fields.certificate = leaf.der;
    fields.cabundle = std::move(cabundle);
    Bytes doc = testing::SignDocument(fields, signer ? signer : leaf.key.get());
    NitroVerifier verifier(anchors_, cache_);
    return verifier.Verify(doc, now);
  }
  std::vector<Bytes> Bundle() { return {chain_.root.der, chain_.intermediate.der}; }
  TestCert Leaf(CertSpec spec, const TestCert* issuer = nullptr) {
    return MakeCert(spec, issuer ? issuer : &chain_.intermediate);
  }
  CertSpec LeafSpec() { return {"leaf", false, -1, kT - hours(1), kT + hours(3)}; }
  ErrorCode Code(const Result<VerifiedEvidence>& r) {
    EXPECT_FALSE(r);
    return r ? ErrorCode::kInternal : r.error().code;
  }

  testing::TestChain chain_;
  TrustAnchors anchors_;
  CertificateCache cache_;
};

TEST_F(ChainTest, AcceptsAValidPathAndReportsItRootFirst) {
  auto r = VerifyDoc(chain_.leaf, Bundle(), kT, kT);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->claims().chain.size(), 3u);
  EXPECT_EQ(r->claims().chain[0].subject, "CN=test-root");
  EXPECT_EQ(r->claims().chain[2].subject, "CN=test-leaf");
  EXPECT_EQ(r->claims().nonce, (Bytes{1, 2, 3, 4}));
}

TEST_F(ChainTest, RejectsAnUntrustedRoot) {
  TrustAnchors aws_only = TrustAnchors::AwsNitroDefault();
  NitroVerifier verifier(aws_only, cache_);
  auto fields = testing::MakeDocumentFields(chain_, kT);
  auto r = verifier.Verify(testing::SignDocument(fields, chain_.leaf.key.get()), kT);
  EXPECT_EQ(Code(r), ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, RejectsASignatureByAnotherKey) {
  auto other = testing::GenerateKey(KeyType::kP384);
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, Bundle(), kT, kT, other.get())), ErrorCode::kBadSignature);
}

TEST_F(ChainTest, ChecksValidityAtTheDocumentTimeAndAtNow) {
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, Bundle(), kT, kT + hours(4))),
            ErrorCode::kCertificateExpired);
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, Bundle(), kT + hours(4), kT)),
            ErrorCode::kCertificateExpired);
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, Bundle(), kT - hours(2), kT)),
            ErrorCode::kCertificateExpired);
  // Now the path is cached: validity is still checked at each use.
  ASSERT_TRUE(VerifyDoc(chain_.leaf, Bundle(), kT, kT));
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, Bundle(), kT, kT + hours(4))),
            ErrorCode::kCertificateExpired);
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, Bundle(), kT, kT + hours(25) + hours(24 * 365))),
            ErrorCode::kCertificateExpired);
}

TEST_F(ChainTest, RejectsNonP384Keys) {
  CertSpec p256 = LeafSpec();
  p256.key_type = KeyType::kP256;
  EXPECT_EQ(Code(VerifyDoc(Leaf(p256), Bundle(), kT, kT)), ErrorCode::kUntrustedChain);
  CertSpec rsa = LeafSpec();
  rsa.key_type = KeyType::kRsa2048;
  // The document is signed with some P-384 key: the chain is rejected before the signature.
  EXPECT_EQ(Code(VerifyDoc(Leaf(rsa), Bundle(), kT, kT, chain_.leaf.key.get())),
            ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, RejectsALeafThatIsACaOrMayNotSign) {
  CertSpec ca = LeafSpec();
  ca.is_ca = true;
  EXPECT_EQ(Code(VerifyDoc(Leaf(ca), Bundle(), kT, kT)), ErrorCode::kUntrustedChain);
  CertSpec no_sign = LeafSpec();
  no_sign.key_usage = "keyEncipherment";
  EXPECT_EQ(Code(VerifyDoc(Leaf(no_sign), Bundle(), kT, kT)), ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, RejectsAnIssuerThatIsNotACa) {
  TestCert not_ca = MakeCert({"not-ca", false, -1, kT - hours(5), kT + hours(5)}, &chain_.root);
  TestCert leaf = Leaf(LeafSpec(), &not_ca);
  EXPECT_EQ(Code(VerifyDoc(leaf, {chain_.root.der, not_ca.der}, kT, kT)),
            ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, CachedLeafCannotActAsAnIssuer) {
  ASSERT_TRUE(VerifyDoc(chain_.leaf, Bundle(), kT, kT));  // caches root→int→leaf
  TestCert below = Leaf(LeafSpec(), &chain_.leaf);
  EXPECT_EQ(
      Code(VerifyDoc(below, {chain_.root.der, chain_.intermediate.der, chain_.leaf.der}, kT, kT)),
      ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, EnforcesPathLengthWithColdAndWarmCache) {
  // The intermediate has pathlen 0: no CA may sit below it.
  TestCert sub = MakeCert({"sub-ca", true, -1, kT - hours(5), kT + hours(5)}, &chain_.intermediate);
  TestCert leaf = Leaf(LeafSpec(), &sub);
  std::vector<Bytes> bundle = {chain_.root.der, chain_.intermediate.der, sub.der};
  EXPECT_EQ(Code(VerifyDoc(leaf, bundle, kT, kT)), ErrorCode::kUntrustedChain);
  ASSERT_TRUE(VerifyDoc(chain_.leaf, Bundle(), kT, kT));  // root→int now cached
  EXPECT_EQ(Code(VerifyDoc(leaf, bundle, kT, kT)), ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, PathLengthHoldsWhenASubCaWasCachedAsALeaf) {
  TestCert sub = MakeCert({"sub-ca", true, -1, kT - hours(5), kT + hours(5), KeyType::kP384,
                           "critical,keyCertSign,digitalSignature"},
                          &chain_.intermediate);
  // Presented as a leaf: rejected (a CA), but its link under the intermediate is now cached.
  EXPECT_EQ(Code(VerifyDoc(sub, Bundle(), kT, kT)), ErrorCode::kUntrustedChain);
  // Presented as an issuer, OpenSSL only sees sub → leaf; the intermediate's pathlen 0 must
  // still forbid it.
  TestCert leaf = Leaf(LeafSpec(), &sub);
  EXPECT_EQ(Code(VerifyDoc(leaf, {chain_.root.der, chain_.intermediate.der, sub.der}, kT, kT)),
            ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, ForgedLeafIsRejectedWhileItsIssuersAreCached) {
  ASSERT_TRUE(VerifyDoc(chain_.leaf, Bundle(), kT, kT));
  // Same names, but signed by an attacker's key instead of the intermediate's.
  TestCert attacker =
      MakeCert({"test-intermediate", true, 0, kT - hours(24), kT + hours(24)}, nullptr);
  TestCert forged = MakeCert({"test-leaf", false, -1, kT - hours(1), kT + hours(3)}, &attacker);
  EXPECT_EQ(Code(VerifyDoc(forged, Bundle(), kT, kT)), ErrorCode::kUntrustedChain);
  // And the attacker's intermediate, presented under the trusted root, is not trusted either.
  EXPECT_EQ(Code(VerifyDoc(forged, {chain_.root.der, attacker.der}, kT, kT)),
            ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, CachedIntermediateIsNotTrustedUnderAnotherRoot) {
  ASSERT_TRUE(VerifyDoc(chain_.leaf, Bundle(), kT, kT));
  testing::TestChain other = testing::MakeChain(kT);
  EXPECT_EQ(Code(VerifyDoc(chain_.leaf, {other.root.der, chain_.intermediate.der}, kT, kT)),
            ErrorCode::kUntrustedChain);
}

TEST_F(ChainTest, NewLeafUnderACachedIntermediateOnlyVerifiesTheLeafLink) {
  ASSERT_TRUE(VerifyDoc(chain_.leaf, Bundle(), kT, kT));
  EXPECT_EQ(cache_.size(), 2u);  // root→int, int→leaf
  uint64_t hits = cache_.hits();
  TestCert second = Leaf(LeafSpec());
  ASSERT_TRUE(VerifyDoc(second, Bundle(), kT, kT));
  EXPECT_EQ(cache_.hits(), hits + 1);  // root→int came from the cache
  EXPECT_EQ(cache_.size(), 3u);
  ASSERT_TRUE(VerifyDoc(second, Bundle(), kT, kT));
  EXPECT_EQ(cache_.hits(), hits + 3);  // the whole path came from the cache
}

TEST_F(ChainTest, DisabledCacheStillVerifies) {
  CertificateCache none(0);
  NitroVerifier verifier(anchors_, none);
  auto fields = testing::MakeDocumentFields(chain_, kT);
  Bytes doc = testing::SignDocument(fields, chain_.leaf.key.get());
  ASSERT_TRUE(verifier.Verify(doc, kT));
  ASSERT_TRUE(verifier.Verify(doc, kT));
  EXPECT_EQ(none.size(), 0u);
}

TEST_F(ChainTest, RequireNonceComparesTheDocumentNonce) {
  auto r = VerifyDoc(chain_.leaf, Bundle(), kT, kT);
  ASSERT_TRUE(r);
  EXPECT_TRUE(RequireNonce(r->claims(), Bytes{1, 2, 3, 4}));
  auto wrong = RequireNonce(r->claims(), Bytes{1, 2, 3, 5});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kNonceMismatch);
  EXPECT_FALSE(RequireNonce(r->claims(), Bytes{}));
}

TEST(TrustAnchors, RejectsRootsThatAreNotSelfSignedP384Cas) {
  TrustAnchors anchors = TrustAnchors::Empty();
  EXPECT_FALSE(anchors.AddPem("not a pem"));
  auto p256 = MakeCert({"r", true, -1, kT, kT + hours(1), KeyType::kP256}, nullptr);
  EXPECT_FALSE(anchors.AddPem(p256.CertPem()));
  auto root = MakeCert({"r", true, -1, kT, kT + hours(1)}, nullptr);
  auto child = MakeCert({"c", true, -1, kT, kT + hours(1)}, &root);
  EXPECT_FALSE(anchors.AddPem(child.CertPem()));
  EXPECT_TRUE(anchors.AddPem(root.CertPem()));
  EXPECT_EQ(anchors.size(), 1u);
}

}  // namespace
}  // namespace kb::broker
