// SigV4 verification against requests signed by botocore (tests/vectors/kms/gen_sigv4.py), and
// every rejection branch.

#include "api/kms/sigv4.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/test_paths.h"

namespace kb::api::kms {
namespace {

namespace json = boost::json;
using std::chrono::minutes;

struct Vector {
  std::string name, method, path, query, body, secret;
  Headers headers;
  Time now;
};

std::vector<Vector> LoadVectors() {
  std::ifstream in(testing::VectorPath("kms/sigv4.json"));
  std::stringstream text;
  text << in.rdbuf();
  std::vector<Vector> out;
  json::value parsed = json::parse(text.str());
  for (const auto& v : parsed.as_array()) {
    const auto& o = v.as_object();
    Vector vec;
    for (auto [field, key] :
         std::initializer_list<std::pair<std::string*, const char*>>{{&vec.name, "name"},
                                                                     {&vec.method, "method"},
                                                                     {&vec.path, "path"},
                                                                     {&vec.query, "query"},
                                                                     {&vec.body, "body"},
                                                                     {&vec.secret, "secret"}}) {
      *field = std::string(o.at(key).as_string());
    }
    for (const auto& h : o.at("headers").as_array()) {
      vec.headers.emplace_back(std::string(h.as_array()[0].as_string()),
                               std::string(h.as_array()[1].as_string()));
    }
    std::string d(o.at("amz_date").as_string());  // 20261128T062518Z
    vec.now = *ParseRfc3339(d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" +
                            d.substr(9, 2) + ":" + d.substr(11, 2) + ":" + d.substr(13, 2) + "Z");
    out.push_back(std::move(vec));
  }
  return out;
}

class SigV4Test : public ::testing::Test {
 protected:
  Result<Verified> Check(const Vector& v, std::string_view region = "us-east-1",
                         std::optional<Time> now = std::nullopt) {
    SignedRequest request{v.method, v.path, v.query, v.headers, v.body};
    return Verify(request, region, now.value_or(v.now),
                  [&](const std::string& id) -> Result<SecretBytes> {
                    if (id != "AKIDEXAMPLE") return Error{ErrorCode::kUnauthorized, "unknown"};
                    if (lookup_fails_) return Error{ErrorCode::kInternal, "token gone"};
                    return SecretBytes(AsBytes(v.secret));
                  });
  }
  ErrorCode Code(const Result<Verified>& r) {
    EXPECT_FALSE(r);
    return r ? ErrorCode::kInternal : r.error().code;
  }
  bool lookup_fails_ = false;  // the broker cannot tell (its PKCS#11 token is gone)
  static void SetHeader(Vector& v, const std::string& name, const std::string& value) {
    for (auto& [n, val] : v.headers) {
      if (n == name) {
        val = value;
        return;
      }
    }
    v.headers.emplace_back(name, value);
  }
  static std::string Header(const Vector& v, const std::string& name) {
    for (const auto& [n, val] : v.headers) {
      if (n == name) return val;
    }
    return "";
  }
  // `v` signed anew, with the right secret, over exactly `signed_headers` (sorted).
  static Vector Resigned(Vector v, const std::vector<std::string>& signed_headers) {
    auto credential = ParseAuthorization(Header(v, "authorization"));
    EXPECT_TRUE(credential);
    credential->signed_headers = signed_headers;
    std::string names;
    for (const auto& n : signed_headers) names += (names.empty() ? "" : ";") + n;
    std::string signature = Sign({v.method, v.path, v.query, v.headers, v.body}, *credential,
                                 AsBytes(v.secret), Header(v, "x-amz-date"));
    SetHeader(v, "authorization",
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + credential->date +
                  "/us-east-1/kms/aws4_request, SignedHeaders=" + names +
                  ", Signature=" + signature);
    return v;
  }
  std::vector<Vector> all_ = LoadVectors();
  // The vectors signed with a long-term access key (the last one uses temporary credentials).
  std::vector<Vector> vectors_{all_.begin(), all_.end() - 1};
  const Vector& temporary_ = all_.back();
};

TEST_F(SigV4Test, AcceptsWhatBotocoreSigned) {
  ASSERT_EQ(all_.size(), 5u);
  ASSERT_EQ(temporary_.name, "temporary credentials");
  for (const auto& v : vectors_) {
    auto r = Check(v);
    ASSERT_TRUE(r) << v.name << ": " << r.error().message;
    EXPECT_EQ(r->access_key_id, "AKIDEXAMPLE");
    EXPECT_TRUE(Check(v, "us-east-1", v.now + minutes(4))) << v.name;
    EXPECT_TRUE(Check(v, "us-east-1", v.now - minutes(4))) << v.name;
  }
}

// A lookup that fails inside the broker is its failure (500), not an unknown key (400): a client
// must not be told that its valid key was revoked while a token is away.
TEST_F(SigV4Test, ALookupThatFailsInsideTheBrokerStaysInternal) {
  lookup_fails_ = true;
  EXPECT_EQ(Code(Check(vectors_[0])), ErrorCode::kInternal);
}

TEST_F(SigV4Test, RefusesAnyChangeToWhatWasSigned) {
  for (const auto& original : vectors_) {
    Vector v = original;
    v.body += " ";
    EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden) << v.name;
    v = original;
    SetHeader(v, "content-type", "application/json");
    EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden) << v.name;
    v = original;
    v.path = "/other";
    EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden) << v.name;
    v = original;
    v.query = "z=1";
    EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden) << v.name;
    v = original;
    v.method = "PUT";
    EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden) << v.name;
    v = original;
    v.secret[0] ^= 1;
    EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden) << v.name;
    v = original;
    SetHeader(v, "x-unsigned", "anything");  // headers outside SignedHeaders do not matter
    EXPECT_TRUE(Check(v)) << v.name;
  }
}

TEST_F(SigV4Test, RefusesTheWrongScopeOrTime) {
  const Vector& v = vectors_[0];
  EXPECT_EQ(Code(Check(v, "eu-west-1")), ErrorCode::kForbidden);
  EXPECT_EQ(Code(Check(v, "us-east-1", v.now + minutes(6))), ErrorCode::kForbidden);
  EXPECT_EQ(Code(Check(v, "us-east-1", v.now - minutes(6))), ErrorCode::kForbidden);
  Vector s3 = v;
  std::string auth = Header(v, "authorization");
  SetHeader(s3, "authorization", auth.replace(auth.find("/kms/"), 5, "/s3x/"));
  EXPECT_EQ(Code(Check(s3)), ErrorCode::kForbidden);
  Vector other_day = v;
  auth = Header(v, "authorization");
  size_t at = auth.find("AKIDEXAMPLE/") + 12;
  SetHeader(other_day, "authorization", auth.replace(at, 8, "20200101"));
  EXPECT_EQ(Code(Check(other_day)), ErrorCode::kForbidden);
  Vector bad_date = v;
  SetHeader(bad_date, "x-amz-date", "yesterday");
  EXPECT_EQ(Code(Check(bad_date)), ErrorCode::kForbidden);
}

TEST_F(SigV4Test, ChecksTheContentHashItWasSent) {
  Vector v = vectors_[1];
  ASSERT_FALSE(Header(v, "x-amz-content-sha256").empty());
  v.body = "{}";  // the hash header still names the old body
  EXPECT_EQ(Code(Check(v)), ErrorCode::kForbidden);
  Vector unsigned_payload = vectors_[1];
  SetHeader(unsigned_payload, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  EXPECT_EQ(Code(Check(unsigned_payload)), ErrorCode::kForbidden);
}

TEST_F(SigV4Test, UnknownKeysAndTemporaryCredentialsAreUnauthorized) {
  Vector v = vectors_[0];
  std::string auth = Header(v, "authorization");
  SetHeader(v, "authorization", auth.replace(auth.find("AKIDEXAMPLE"), 11, "AKIDUNKNOWN"));
  EXPECT_EQ(Code(Check(v)), ErrorCode::kUnauthorized);
  ASSERT_FALSE(Header(temporary_, "x-amz-security-token").empty());
  EXPECT_EQ(Code(Check(temporary_)), ErrorCode::kUnauthorized);  // signed, but not ours
}

// Issue 16: a request whose signature leaves x-amz-target out can be replayed, within the skew
// window, as another operation; likewise host, x-amz-date, content-type, and the content hash
// or session token when they are sent.
TEST_F(SigV4Test, RefusesARequestThatLeavesARequiredHeaderUnsigned) {
  const Vector& gdk = vectors_[0];  // content-type;host;x-amz-date;x-amz-target
  ASSERT_TRUE(Check(Resigned(gdk, {"content-type", "host", "x-amz-date", "x-amz-target"})));
  for (const std::string left_out : {"content-type", "host", "x-amz-date", "x-amz-target"}) {
    std::vector<std::string> signed_headers;
    for (const char* h : {"content-type", "host", "x-amz-date", "x-amz-target"}) {
      if (h != left_out) signed_headers.push_back(h);
    }
    auto r = Check(Resigned(gdk, signed_headers));
    EXPECT_EQ(Code(r), ErrorCode::kForbidden) << left_out;
    if (!r) {
      EXPECT_NE(r.error().message.find(left_out), std::string::npos) << r.error().message;
    }
  }
  // The captured GenerateDataKey, its x-amz-target unsigned, replayed as Decrypt.
  Vector replay = Resigned(gdk, {"content-type", "host", "x-amz-date"});
  SetHeader(replay, "x-amz-target", "TrentService.Decrypt");
  EXPECT_EQ(Code(Check(replay)), ErrorCode::kForbidden);

  const Vector& hashed = vectors_[1];  // sends x-amz-content-sha256
  auto unsigned_hash =
      Check(Resigned(hashed, {"content-type", "host", "x-amz-date", "x-amz-target"}));
  EXPECT_EQ(Code(unsigned_hash), ErrorCode::kForbidden);
  if (!unsigned_hash) {
    EXPECT_NE(unsigned_hash.error().message.find("x-amz-content-sha256"), std::string::npos);
  }
  auto unsigned_token =
      Check(Resigned(temporary_, {"content-type", "host", "x-amz-date", "x-amz-target"}));
  EXPECT_EQ(Code(unsigned_token), ErrorCode::kForbidden);
  if (!unsigned_token) {
    EXPECT_NE(unsigned_token.error().message.find("x-amz-security-token"), std::string::npos);
  }
}

TEST_F(SigV4Test, MalformedAuthorizationIsIncomplete) {
  const Vector& base = vectors_[0];
  std::string auth = Header(base, "authorization");
  auto with = [&](const std::string& authorization) {
    Vector v = base;
    SetHeader(v, "authorization", authorization);
    return Code(Check(v));
  };
  Vector none = base;
  std::erase_if(none.headers, [](const auto& h) { return h.first == "authorization"; });
  EXPECT_EQ(Code(Check(none)), ErrorCode::kMalformedRequest);
  size_t sig = auth.find("Signature=") + 10;
  for (const std::string& bad : {
           std::string("Bearer abc"),
           std::string("AWS4-HMAC-SHA256"),
           "AWS4-HMAC-SHA512 " + auth.substr(17),
           auth.substr(0, auth.find(", Signature")),
           auth + ", Signature=" + auth.substr(sig),
           auth.substr(0, sig) + "zz" + auth.substr(sig + 2),
           auth.substr(0, sig) + auth.substr(sig + 2),
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/kms, SignedHeaders=host, "
           "Signature=" +
               auth.substr(sig),
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/kms/aws4_request, "
           "Signature=" +
               auth.substr(sig),
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/kms/aws4_request, "
           "SignedHeaders=x-amz-date;host, Signature=" +
               auth.substr(sig),
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/kms/aws4_request, "
           "SignedHeaders=host;x-absent;x-amz-date, Signature=" +
               auth.substr(sig),
       }) {
    EXPECT_EQ(with(bad), ErrorCode::kMalformedRequest) << bad;
  }
}

// The XKS scope: AWS KMS signs host and x-amz-date only, for the service kms-xks-proxy. The same
// verifier refuses such a signature for the KMS API (x-amz-target unsigned) and refuses the
// other service's scope.
TEST(SigV4Scopes, XksNeedsHostAndDateSignedForItsOwnService) {
  Headers headers = {{"host", "xks.example.com"}, {"x-amz-date", "20261128T062518Z"}};
  const std::string body = R"({"requestMetadata": {}})";
  Time now = *ParseRfc3339("2026-11-28T06:25:18Z");
  const std::string secret = "a-secret-of-forty-three-characters-or-more-123";
  auto signed_for = [&](const std::string& service, const std::vector<std::string>& names) {
    Headers h = headers;
    SignedRequest request{"POST", "/p/kms/xks/v1/health", "", h, body};
    Credential c{"AKIDXKS", "20261128", "us-east-1", service, names, ""};
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
    h.emplace_back("authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIDXKS/20261128/us-east-1/" + service +
                       "/aws4_request, SignedHeaders=" + joined +
                       ", Signature=" + Sign(request, c, AsBytes(secret), "20261128T062518Z"));
    return h;
  };
  auto verify = [&](const Headers& h, const Scope& scope) {
    SignedRequest request{"POST", "/p/kms/xks/v1/health", "", h, body};
    return Verify(request, scope, now, [&](const std::string&) {
      return Result<SecretBytes>(SecretBytes(AsBytes(secret)));
    });
  };
  Headers xks = signed_for("kms-xks-proxy", {"host", "x-amz-date"});
  EXPECT_TRUE(verify(xks, XksScope("us-east-1")));
  auto as_kms = verify(xks, KmsScope("us-east-1"));
  ASSERT_FALSE(as_kms);
  EXPECT_NE(as_kms.error().message.find("x-amz-target"), std::string::npos);
  EXPECT_EQ(verify(xks, XksScope("eu-west-1")).error().code, ErrorCode::kForbidden);
  Headers kms = signed_for("kms", {"host", "x-amz-date"});
  auto other_service = verify(kms, XksScope("us-east-1"));
  ASSERT_FALSE(other_service);
  EXPECT_NE(other_service.error().message.find("kms-xks-proxy"), std::string::npos);
  Headers date_unsigned = signed_for("kms-xks-proxy", {"host"});
  EXPECT_EQ(verify(date_unsigned, XksScope("us-east-1")).error().code, ErrorCode::kForbidden);
  // What needs no secret is refused before the key lookup: a forged flood reads no database.
  int lookups = 0;
  auto counting = [&](const Headers& h, const Scope& scope, Time at) {
    SignedRequest request{"POST", "/p/kms/xks/v1/health", "", h, body};
    return Verify(request, scope, at, [&](const std::string&) {
      ++lookups;
      return Result<SecretBytes>(SecretBytes(AsBytes(secret)));
    });
  };
  EXPECT_FALSE(counting(xks, XksScope("eu-west-1"), now));
  EXPECT_FALSE(counting(kms, XksScope("us-east-1"), now));
  EXPECT_FALSE(counting(xks, XksScope("us-east-1"), now + std::chrono::minutes(6)));
  EXPECT_EQ(lookups, 0);
  EXPECT_TRUE(counting(xks, XksScope("us-east-1"), now));
  EXPECT_EQ(lookups, 1);
}

}  // namespace
}  // namespace kb::api::kms
