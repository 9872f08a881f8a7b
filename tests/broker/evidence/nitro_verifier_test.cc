// The generic runner of tests/vectors/nitro_verify.json (Wycheproof-shaped): every vector is
// verified twice, with a cold certificate cache and with a cache warmed by the unmodified source
// document, and must give the same, expected outcome both times.

#include "broker/evidence/nitro_verifier.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "common/time.h"
#include "tests/support/document_mutation.h"
#include "tests/support/test_paths.h"

namespace kb::broker {
namespace {

namespace json = boost::json;

json::object LoadVectors() {
  std::ifstream in(testing::VectorPath("nitro_verify.json"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return json::parse(text).as_object();
}

std::optional<Platform> ExpectedPlatform(const json::object& test) {
  if (!test.contains("type")) return std::nullopt;
  return test.at("type").as_string() == "nitro-tpm" ? Platform::kNitroTpm : Platform::kNitroEnclave;
}

struct Outcome {
  bool valid;
  std::string error;
};

Outcome VerifyOnce(const NitroVerifier& verifier, const Bytes& document, Time at,
                   std::optional<Platform> platform) {
  auto result = verifier.Verify(document, at, platform);
  if (result) return {true, ""};
  return {false, std::string(ErrorCodeName(result.error().code))};
}

TEST(NitroVectors, EveryVectorGivesItsExpectedResultWithColdAndWarmCache) {
  json::object vectors = LoadVectors();
  TrustAnchors anchors = TrustAnchors::AwsNitroDefault();
  int64_t run = 0;
  for (const auto& group_value : vectors.at("testGroups").as_array()) {
    const json::object& group = group_value.as_object();
    std::string source(group.at("source").as_string());
    Bytes base = testing::ReadVector("nitro/" + source);
    Time group_at = *ParseRfc3339(group.at("at").as_string());

    CertificateCache warm_cache(64);
    NitroVerifier warm(anchors, warm_cache);
    (void)warm.Verify(base, group_at);  // warms the cache with whatever the source proves

    for (const auto& test_value : group.at("tests").as_array()) {
      const json::object& test = test_value.as_object();
      int64_t id = test.at("tcId").as_int64();
      std::string comment(test.at("comment").as_string());
      Bytes document = testing::MutateDocument(base, test.at("mutation").as_object());
      Time at = test.contains("at") ? *ParseRfc3339(test.at("at").as_string()) : group_at;
      auto platform = ExpectedPlatform(test);
      bool want_valid = test.at("result").as_string() == "valid";
      std::string want_error =
          test.contains("error") ? std::string(test.at("error").as_string()) : "";

      CertificateCache cold_cache(64);
      NitroVerifier cold(anchors, cold_cache);
      for (const NitroVerifier* verifier : {&cold, &warm}) {
        Outcome got = VerifyOnce(*verifier, document, at, platform);
        const char* cache = verifier == &cold ? "cold" : "warm";
        EXPECT_EQ(got.valid, want_valid)
            << "tcId " << id << " (" << cache << "): " << comment << " → " << got.error;
        EXPECT_EQ(got.error, want_error) << "tcId " << id << " (" << cache << "): " << comment;
      }
      ++run;
    }
  }
  EXPECT_EQ(run, vectors.at("numberOfTests").as_int64());
  EXPECT_GE(run, 100);
}

}  // namespace
}  // namespace kb::broker
