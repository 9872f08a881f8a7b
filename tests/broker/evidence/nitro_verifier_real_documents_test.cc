// Every real AWS document verifies at its own timestamp and yields exactly the claims recorded in
// ../shared/vectors/README.md (module_id, timestamp, PCRs, optional fields, chain).

#include <gtest/gtest.h>

#include "broker/evidence/claims_json.h"
#include "broker/evidence/nitro_verifier.h"
#include "common/encoding.h"
#include "tests/support/test_paths.h"

namespace kb::broker {
namespace {

struct RealDocument {
  const char* file;
  const char* timestamp;
  Platform platform;
  const char* module_id;
  size_t pcr_count;
  uint32_t pcr_index;
  const char* pcr_value;
  int public_key_size;  // -1: null
  int user_data_size;
  int nonce_size;
  const char* leaf_subject_cn;
};

void PrintTo(const RealDocument& d, std::ostream* os) { *os << d.file; }

class RealDocumentTest : public ::testing::TestWithParam<RealDocument> {};

TEST_P(RealDocumentTest, VerifiesAtItsTimestampWithTheRecordedClaims) {
  const RealDocument& d = GetParam();
  TrustAnchors anchors = TrustAnchors::AwsNitroDefault();
  CertificateCache cache(16);
  NitroVerifier verifier(anchors, cache);
  Time at = *ParseRfc3339(d.timestamp);
  auto r = verifier.Verify(testing::ReadVector(std::string("nitro/") + d.file), at);
  ASSERT_TRUE(r) << r.error().message;
  const EvidenceClaims& c = r->claims();
  EXPECT_EQ(c.platform, d.platform);
  EXPECT_EQ(c.module_id, d.module_id);
  EXPECT_EQ(FormatRfc3339(c.timestamp), d.timestamp);
  EXPECT_EQ(c.digest, "SHA384");
  EXPECT_EQ(c.pcrs.size(), d.pcr_count);
  ASSERT_TRUE(c.pcrs.count(d.pcr_index));
  EXPECT_EQ(HexEncode(c.pcrs.at(d.pcr_index)), d.pcr_value);
  auto size = [](const std::optional<Bytes>& b) { return b ? int(b->size()) : -1; };
  EXPECT_EQ(size(c.public_key), d.public_key_size);
  EXPECT_EQ(size(c.user_data), d.user_data_size);
  EXPECT_EQ(size(c.nonce), d.nonce_size);
  ASSERT_EQ(c.chain.size(), 5u);
  EXPECT_EQ(HexEncode(c.chain[0].sha256), kAwsNitroRootG1Sha256);
  EXPECT_EQ(c.chain[0].subject, "CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US");
  EXPECT_EQ(c.chain[4].subject.rfind(std::string("CN=") + d.leaf_subject_cn, 0), 0u)
      << c.chain[4].subject;

  // The same document fails now that its 3-hour leaf has expired.
  auto later = verifier.Verify(testing::ReadVector(std::string("nitro/") + d.file),
                               *ParseRfc3339("2026-11-28T00:00:00Z"));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::kCertificateExpired);
}

constexpr char kZero48[] =
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00";

INSTANTIATE_TEST_SUITE_P(
    AwsVectors, RealDocumentTest,
    ::testing::Values(
        RealDocument{"nitro-enclave-1.cbor", "2021-04-26T04:09:13.100Z", Platform::kNitroEnclave,
                     "i-0fd25f30661854f2b-enc01790c5d9eab829d", 16, 4,
                     "abf3ca5026b60f4d641ec3788d19cdd70849dc49a7a01709818c56866ba786f663341eb3b1abc"
                     "6960531527c416bed71",
                     -1, -1, -1, "i-0fd25f30661854f2b-enc01790c5d9eab829d.us-west-1.aws"},
        RealDocument{"nitro-enclave-1-tagged18.cbor", "2021-04-26T04:09:13.100Z",
                     Platform::kNitroEnclave, "i-0fd25f30661854f2b-enc01790c5d9eab829d", 16, 0,
                     kZero48, -1, -1, -1, "i-0fd25f30661854f2b-enc01790c5d9eab829d"},
        RealDocument{"nitro-enclave-3.cbor", "2022-09-15T17:43:28.848Z", Platform::kNitroEnclave,
                     "i-0697c9729fa547b20-enc0183422ede9a5dc8", 16, 8,
                     "6f1ff0f2a7a0b1c4e02a3a544eb0ff2dffb8b2922b8908d46365c0f0120934092149ec35814c8"
                     "d944ef1b8fb564b46c7",
                     32, 250, 12, "i-0697c9729fa547b20-enc0183422ede9a5dc8.us-east-1.aws"},
        RealDocument{"nitro-enclave-6.cbor", "2024-09-07T14:37:39.545Z", Platform::kNitroEnclave,
                     "i-0a22e5c5f24d22174-enc0191cceb4289903f", 16, 0,
                     "e72a46ca80a260fb044a125442f0c7e331813bcbaf9724d9f3857758992766f2d65710a27aa94"
                     "ae3949dd54e7c9fe86a",
                     1024, 1024, 1024, "i-0a22e5c5f24d22174-enc0191cceb4289903f"},
        RealDocument{"nitro-enclave-8.cbor", "2026-03-06T11:14:18.051Z", Platform::kNitroEnclave,
                     "i-017338f9d1a9121c5-enc019cc2dad1d358d3", 16, 2,
                     "b69cce341e161bc8f20c6f962a443449b8df078b25c578afea71f47cae979c0fe4f5dd636584e"
                     "f4ce679657fd08ab769",
                     -1, 65, -1, "i-017338f9d1a9121c5-enc019cc2dad1d358d3.us-east-1.aws"},
        RealDocument{"nitro-tpm-1.cbor", "2026-02-03T10:12:02.437Z", Platform::kNitroTpm,
                     "i-01cfb383223e42522-tpm0000000000000000", 24, 7,
                     "98441c7f7625d10058c47683aec486ce311c633235eb555593a7ee791121e3578ae72d04ecef6"
                     "61f272d59058b77af35",
                     65, -1, 32, "i-01cfb383223e42522-tpm0000000000000000.us-east-1.aws"}),
    [](const ::testing::TestParamInfo<RealDocument>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ClaimsJson, HasTheVerifyContractShape) {
  TrustAnchors anchors = TrustAnchors::AwsNitroDefault();
  CertificateCache cache(0);
  NitroVerifier verifier(anchors, cache);
  auto r = verifier.Verify(testing::ReadVector("nitro/nitro-enclave-8.cbor"),
                           *ParseRfc3339("2026-03-06T11:14:18.051Z"));
  ASSERT_TRUE(r);
  boost::json::object j = ClaimsToJson(r->claims());
  for (const char* key : {"platform", "module_id", "timestamp", "digest", "pcrs", "public_key",
                          "user_data", "nonce", "chain"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.size(), 9u);
  EXPECT_EQ(j["platform"], "nitro-enclave");
  EXPECT_EQ(j["timestamp"], "2026-03-06T11:14:18.051Z");
  EXPECT_TRUE(j["public_key"].is_null());
  EXPECT_TRUE(j["nonce"].is_null());
  EXPECT_EQ(j["user_data"].as_string().size(), 130u);
  EXPECT_EQ(j["pcrs"].as_object().size(), 16u);
  EXPECT_EQ(j["chain"].as_array().size(), 5u);
  EXPECT_EQ(std::string(j["chain"].as_array()[0].as_object().at("sha256").as_string()),
            kAwsNitroRootG1Sha256);
}

}  // namespace
}  // namespace kb::broker
