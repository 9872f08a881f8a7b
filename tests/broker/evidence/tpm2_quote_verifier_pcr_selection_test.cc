// The PCR selection of a TPM quote against the PCRs the evidence reports. The attack: quote over
// `sha256:0+sha256:0`, so that the TPM signs H(PCR0 || PCR0), then report the real PCR0 and an
// invented PCR7. Counting selected PCRs, checking each is reported and checking the digest all
// pass; only refusing a repeated bank and comparing the two sets exactly stop it.
// tests/vectors/tpm2/quote-repeated-bank.json is such a forgery, made with swtpm by
// tests/support/swtpm_quote.sh (selection "sha256:0+sha256:0", nonce 5a..5a, instance-key.pem);
// the live tests below make fresh ones.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>

#include "broker/evidence/tpm2_quote_verifier.h"
#include "broker/evidence/tpm2_structures.h"
#include "common/encoding.h"
#include "crypto/ossl.h"
#include "tests/support/swtpm_evidence.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::broker {
namespace {

namespace json = boost::json;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
Bytes ReadBytes(const std::string& path) {
  std::string text = ReadText(path);
  return Bytes(text.begin(), text.end());
}

Result<VerifiedEvidence> VerifyWith(const std::string& evidence, const Bytes& ak_tpm2b) {
  AttestationKeys keys;
  EXPECT_TRUE(keys.AddTpm2bPublic(ak_tpm2b));
  return Tpm2QuoteVerifier(keys).Verify(AsBytes(evidence), Time{});
}

TEST(Tpm2PcrSelection, TheSavedRepeatedBankForgeryIsMalformed) {
  std::string forged = ReadText(testing::VectorPath("tpm2/quote-repeated-bank.json"));
  auto r = VerifyWith(forged, ReadBytes(testing::VectorPath("tpm2/ak-repeated-bank.tpm2b")));
  ASSERT_FALSE(r) << "the invented PCR7 reached the claims: " << HexEncode(r->claims().pcrs.at(7));
  EXPECT_EQ(r.error().code, ErrorCode::kMalformedEvidence);
  EXPECT_NE(r.error().message.find("twice"), std::string::npos) << r.error().message;

  json::object evidence = json::parse(forged).as_object();
  auto quote = Base64Decode(std::string(evidence["quote"].as_string()));
  ASSERT_TRUE(quote);
  auto parsed = ParseTpmQuote(*quote);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "quote selects the sha256 bank twice");
}

TEST(Tpm2PcrSelection, AnEmptyReportedBankIsMalformed) {
  json::object evidence =
      json::parse(ReadText(testing::VectorPath("tpm2/quote-ecc.json"))).as_object();
  Bytes ak = ReadBytes(testing::VectorPath("tpm2/ak-ecc.tpm2b"));
  ASSERT_TRUE(VerifyWith(json::serialize(evidence), ak));
  evidence["pcrs"].as_object()["sha384"] = json::object{};
  auto r = VerifyWith(json::serialize(evidence), ak);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformedEvidence);
}

// Fresh quotes from swtpm with a hostile selection, reported honestly and dishonestly.
class Tpm2PcrSelectionLive : public ::testing::Test {
 protected:
  testing::SwtpmQuote Quote(const std::string& pcrs, const std::string& selection) {
    auto key = testing::GenerateKey(testing::KeyType::kRsa2048);
    return testing::MakeSwtpmQuote(pcrs, selection, Bytes(32, 0x3c),
                                   PublicKeyDer(key.get()).value());
  }
  static Result<VerifiedEvidence> Verify(const testing::SwtpmQuote& quote,
                                         const std::map<int, std::string>& reported) {
    json::object evidence = quote.evidence;
    evidence["pcrs"] = testing::Sha256Pcrs(reported);
    return VerifyWith(json::serialize(evidence), quote.ak_tpm2b);
  }
  static ErrorCode Code(const Result<VerifiedEvidence>& r) {
    EXPECT_FALSE(r);
    return r ? ErrorCode::kInternal : r.error().code;
  }
};

TEST_F(Tpm2PcrSelectionLive, EveryRepeatOfABankIsRefusedHoweverThePcrsAreReported) {
  testing::SwtpmQuote q = Quote("0", "sha256:0+sha256:0+sha256:0");
  std::string pcr0 = q.pcr_hex[0], forged(64, 'e');
  EXPECT_EQ(Code(Verify(q, {{0, pcr0}})), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(q, {{0, pcr0}, {7, forged}})), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(q, {{0, pcr0}, {7, forged}, {12, forged}})), ErrorCode::kMalformedEvidence);
}

TEST_F(Tpm2PcrSelectionLive, ReportedPcrsMustBeExactlyTheSelectedOnes) {
  testing::SwtpmQuote q = Quote("4,7", "sha256:4,7");
  std::string pcr4 = q.pcr_hex[4], pcr7 = q.pcr_hex[7];
  ASSERT_TRUE(Verify(q, {{4, pcr4}, {7, pcr7}}));
  // The TPM's order (indexes ascending) is part of the digest.
  EXPECT_EQ(Code(Verify(q, {{4, pcr7}, {7, pcr4}})), ErrorCode::kBadSignature);
  EXPECT_EQ(Code(Verify(q, {{4, pcr4}, {8, pcr7}})), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(q, {{4, pcr4}})), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(q, {{4, pcr4}, {7, pcr7}, {8, pcr7}})), ErrorCode::kMalformedEvidence);
}

}  // namespace
}  // namespace kb::broker
