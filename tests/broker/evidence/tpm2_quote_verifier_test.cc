// tpm2-quote evidence against quotes a real software TPM produced: the suite starts swtpm
// (tests/support/swtpm_quote.sh, unix socket in a temp dir, killed afterwards), extends PCRs with
// known digests, creates RSA and ECC attestation keys, and quotes with a fresh nonce. Every
// tampering the issue lists is then tried on those quotes.

#include "broker/evidence/tpm2_quote_verifier.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::broker {
namespace {

namespace json = boost::json;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes SpkiDer(EVP_PKEY* key) { return PublicKeyDer(key).value(); }

// PCR n after one extend of SHA256("measurement-for-pcr<n>-v1") from zero, computed here
// independently of the TPM.
Bytes ExpectedPcr(int n) {
  Sha256Digest event = Sha256(AsBytes("measurement-for-pcr" + std::to_string(n) + "-v1"));
  Bytes input(32, 0);
  input.insert(input.end(), event.begin(), event.end());
  Sha256Digest pcr = Sha256(input);
  return Bytes(pcr.begin(), pcr.end());
}

struct Quote {
  std::string dir;
  Bytes msg, sig;
  std::string ak_pem;
  std::map<int, std::string> pcr_hex;
};

class Tpm2QuoteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    instance_key_ = testing::GenerateKey(testing::KeyType::kRsa2048).release();
    nonce_ = Bytes(32, 0x5a);
    Bytes bound = nonce_;
    Bytes spki = SpkiDer(instance_key_);
    bound.insert(bound.end(), spki.begin(), spki.end());
    std::string extra = HexEncode(Sha256(bound));
    for (const char* alg : {"ecc", "rsa", "rsapss"}) {
      std::string dir = testing::MakeTempDir();
      std::string ak = std::string(alg) == "ecc" ? "ecc" : "rsa";
      std::string scheme = std::string(alg) == "rsapss" ? " rsapss" : "";
      std::string cmd = std::string(KB_TEST_SUPPORT_DIR) + "/swtpm_quote.sh " + dir + " " + ak +
                        " 4,7,12 " + extra + scheme + " >/dev/null 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
      Quote q;
      q.dir = dir;
      std::string msg = ReadText(dir + "/quote.msg"), sig = ReadText(dir + "/quote.sig");
      q.msg.assign(msg.begin(), msg.end());
      q.sig.assign(sig.begin(), sig.end());
      q.ak_pem = ReadText(dir + "/ak.pem");
      for (int n : {4, 7, 12}) {
        std::string hex = ReadText(dir + "/pcr" + std::to_string(n) + ".hex");
        q.pcr_hex[n] = hex.substr(0, 64);
      }
      quotes_[alg] = q;
    }
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(instance_key_);
    for (auto& [alg, q] : quotes_) std::system(("rm -rf " + q.dir).c_str());
  }

  static json::object Evidence(const Quote& q) {
    json::object pcrs;
    for (const auto& [n, hex] : q.pcr_hex) pcrs[std::to_string(n)] = hex;
    return json::object{{"type", "tpm2-quote"},
                        {"quote", Base64Encode(q.msg)},
                        {"signature", Base64Encode(q.sig)},
                        {"pcrs", json::object{{"sha256", pcrs}}},
                        {"public_key", Base64Encode(SpkiDer(instance_key_))},
                        {"nonce", HexEncode(nonce_)}};
  }
  static Result<VerifiedEvidence> Verify(const json::object& evidence, const std::string& ak_pem) {
    AttestationKeys keys;
    EXPECT_TRUE(keys.AddPem(ak_pem));
    std::string text = json::serialize(evidence);
    return Tpm2QuoteVerifier(keys).Verify(AsBytes(text), kNow);
  }
  static ErrorCode Code(const Result<VerifiedEvidence>& r) {
    EXPECT_FALSE(r);
    return r ? ErrorCode::kInternal : r.error().code;
  }
  // The ECDSA quote's evidence with the quote (or signature) bytes changed by `edit`.
  static json::object WithQuote(std::function<void(Bytes&)> edit, bool signature = false) {
    Quote q = quotes_["ecc"];
    edit(signature ? q.sig : q.msg);
    return Evidence(q);
  }

  static inline const Time kNow = *ParseRfc3339("2026-06-01T00:00:00Z");
  static inline EVP_PKEY* instance_key_ = nullptr;
  static inline Bytes nonce_;
  static inline std::map<std::string, Quote> quotes_;
};

TEST_F(Tpm2QuoteTest, EveryAkKindVerifiesAndYieldsTheExtendedPcrs) {
  for (const char* alg : {"ecc", "rsa", "rsapss"}) {
    const Quote& q = quotes_[alg];
    auto r = Verify(Evidence(q), q.ak_pem);
    ASSERT_TRUE(r) << alg << ": " << r.error().message;
    const EvidenceClaims& c = r->claims();
    EXPECT_EQ(c.platform, Platform::kTpm2Quote);
    for (int n : {4, 7, 12}) EXPECT_EQ(c.pcrs.at(uint32_t(n)), ExpectedPcr(n)) << alg << n;
    EXPECT_EQ(c.nonce, nonce_);
    EXPECT_EQ(c.public_key, SpkiDer(instance_key_));
    ASSERT_TRUE(c.tpm);
    EXPECT_TRUE(c.tpm->safe);
    EXPECT_GT(c.tpm->clock, 0u);
    EXPECT_EQ(c.module_id, "ak:" + HexEncode(c.tpm->ak_sha256));
    EXPECT_EQ(c.timestamp, kNow);
  }
}

TEST_F(Tpm2QuoteTest, RejectsAQuoteFromAnotherAk) {
  EXPECT_EQ(Code(Verify(Evidence(quotes_["ecc"]), quotes_["rsa"].ak_pem)),
            ErrorCode::kBadSignature);
  auto other = testing::GenerateKey(testing::KeyType::kP256);
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), other.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  EXPECT_EQ(Code(Verify(Evidence(quotes_["ecc"]), std::string(data, size_t(len)))),
            ErrorCode::kBadSignature);
}

TEST_F(Tpm2QuoteTest, RejectsATamperedQuoteOrSignature) {
  // clockInfo.clock sits at offset 76 of an ECC quote: signed, not otherwise checked.
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b[80] ^= 1; }), quotes_["ecc"].ak_pem)),
            ErrorCode::kBadSignature);
  EXPECT_EQ(
      Code(Verify(WithQuote([](Bytes& b) { b[b.size() - 1] ^= 1; }, true), quotes_["ecc"].ak_pem)),
      ErrorCode::kBadSignature);
  Quote rsa = quotes_["rsa"];
  rsa.sig[rsa.sig.size() - 1] ^= 1;
  EXPECT_EQ(Code(Verify(Evidence(rsa), rsa.ak_pem)), ErrorCode::kBadSignature);
}

TEST_F(Tpm2QuoteTest, RejectsPcrValuesThatDifferFromWhatWasQuoted) {
  Quote q = quotes_["ecc"];
  q.pcr_hex[7] = std::string(64, '0');
  EXPECT_EQ(Code(Verify(Evidence(q), q.ak_pem)), ErrorCode::kBadSignature);
}

TEST_F(Tpm2QuoteTest, RejectsMissingOrExtraPcrs) {
  Quote missing = quotes_["ecc"];
  missing.pcr_hex.erase(12);
  EXPECT_EQ(Code(Verify(Evidence(missing), missing.ak_pem)), ErrorCode::kMalformedEvidence);
  Quote extra = quotes_["ecc"];
  extra.pcr_hex[5] = std::string(64, '0');
  EXPECT_EQ(Code(Verify(Evidence(extra), extra.ak_pem)), ErrorCode::kMalformedEvidence);
  json::object other_bank = Evidence(quotes_["ecc"]);
  other_bank["pcrs"].as_object()["sha384"] =
      json::object{{"4", json::string(std::string(96, '0'))}};
  EXPECT_EQ(Code(Verify(other_bank, quotes_["ecc"].ak_pem)), ErrorCode::kMalformedEvidence);
}

TEST_F(Tpm2QuoteTest, RejectsAnotherNonceOrPublicKey) {
  json::object wrong_nonce = Evidence(quotes_["ecc"]);
  wrong_nonce["nonce"] = HexEncode(Bytes(32, 0x5b));
  EXPECT_EQ(Code(Verify(wrong_nonce, quotes_["ecc"].ak_pem)), ErrorCode::kNonceMismatch);
  json::object wrong_key = Evidence(quotes_["ecc"]);
  auto other = testing::GenerateKey(testing::KeyType::kRsa2048);
  wrong_key["public_key"] = Base64Encode(SpkiDer(other.get()));
  EXPECT_EQ(Code(Verify(wrong_key, quotes_["ecc"].ak_pem)), ErrorCode::kNonceMismatch);
}

TEST_F(Tpm2QuoteTest, RejectsWrongMagicTypeAndBrokenStructures) {
  const std::string& ak = quotes_["ecc"].ak_pem;
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b[0] = 0xfe; }), ak)),
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b[5] = 0x17; }), ak)),  // TPM_ST_ATTEST_CERTIFY
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b.resize(100); }), ak)),
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b.push_back(0); }), ak)),
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b.resize(10); }, true), ak)),
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b.push_back(0); }, true), ak)),
            ErrorCode::kMalformedEvidence);
}

TEST_F(Tpm2QuoteTest, RejectsUnsupportedSchemesAndHashes) {
  const std::string& ak = quotes_["ecc"].ak_pem;
  // TPMT_SIGNATURE starts with sigAlg, then the scheme's hash.
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b[1] = 0x1a; }, true), ak)),  // ECSCHNORR
            ErrorCode::kUnsupportedAlgorithm);
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b[3] = 0x04; }, true), ak)),  // SHA-1
            ErrorCode::kUnsupportedAlgorithm);
  // The quote's PCR bank (offset 105 in an ECC quote) as SHA-1.
  EXPECT_EQ(Code(Verify(WithQuote([](Bytes& b) { b[106] = 0x04; }), ak)),
            ErrorCode::kUnsupportedAlgorithm);
}

TEST_F(Tpm2QuoteTest, RejectsMalformedEvidenceJson) {
  const std::string& ak = quotes_["ecc"].ak_pem;
  auto with = [&](const char* key, json::value v) {
    json::object e = Evidence(quotes_["ecc"]);
    e[key] = std::move(v);
    return e;
  };
  EXPECT_EQ(Code(Verify(with("type", "nitro-enclave"), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("extra", 1), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("quote", "***"), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("quote", 5), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("public_key", "***"), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("public_key", ""), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("nonce", "xyz"), ak)), ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("nonce", json::string(std::string(130, 'a'))), ak)),
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(Code(Verify(with("pcrs", json::object{{"sha1", json::object{}}}), ak)),
            ErrorCode::kMalformedEvidence);
  EXPECT_EQ(
      Code(Verify(
          with("pcrs",
               json::object{{"sha256", json::object{{"24", json::string(std::string(64, '0'))}}}}),
          ak)),
      ErrorCode::kMalformedEvidence);
  AttestationKeys keys;
  ASSERT_TRUE(keys.AddPem(ak));
  Tpm2QuoteVerifier verifier(keys);
  for (const char* bad : {"", "[]", "{", "nul", "{\"type\": [[[[[[[[[[]]]]]]]]]]}"}) {
    EXPECT_EQ(Code(verifier.Verify(AsBytes(bad), kNow)), ErrorCode::kMalformedEvidence) << bad;
  }
}

TEST(Tpm2SavedVectors, VerifyWithoutATpm) {
  for (const char* alg : {"ecc", "rsa"}) {
    AttestationKeys keys;
    ASSERT_TRUE(keys.AddPem(ReadText(testing::VectorPath(std::string("tpm2/ak-") + alg + ".pem"))));
    std::string evidence =
        ReadText(testing::VectorPath(std::string("tpm2/quote-") + alg + ".json"));
    auto r = Tpm2QuoteVerifier(keys).Verify(AsBytes(evidence), Time{});
    ASSERT_TRUE(r) << alg << ": " << r.error().message;
    EXPECT_EQ(r->claims().pcrs.at(4), ExpectedPcr(4));
  }
}

Bytes ReadBytes(const std::string& path) {
  std::string text = ReadText(path);
  return Bytes(text.begin(), text.end());
}

TEST(AttestationKeys, Tpm2bPublicGivesTheSameKeyAsPem) {
  for (const char* alg : {"ecc", "rsa"}) {
    AttestationKeys from_pem, from_tpm2b;
    ASSERT_TRUE(
        from_pem.AddPem(ReadText(testing::VectorPath(std::string("tpm2/ak-") + alg + ".pem"))));
    auto added = from_tpm2b.AddTpm2bPublic(
        ReadBytes(testing::VectorPath(std::string("tpm2/ak-") + alg + ".tpm2b")));
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(from_pem.Snapshot()->at(0)->spki_sha256, from_tpm2b.Snapshot()->at(0)->spki_sha256)
        << alg;
    std::string evidence =
        ReadText(testing::VectorPath(std::string("tpm2/quote-") + alg + ".json"));
    EXPECT_TRUE(Tpm2QuoteVerifier(from_tpm2b).Verify(AsBytes(evidence), Time{}));
  }
}

TEST(AttestationKeys, Tpm2bPublicMustBeARestrictedSigningKey) {
  Bytes ak = ReadBytes(testing::VectorPath("tpm2/ak-ecc.tpm2b"));
  // size(2) type(2) nameAlg(2) objectAttributes(4, big-endian)
  auto with_attributes = [&](uint32_t clear, uint32_t set) {
    Bytes b = ak;
    uint32_t a = uint32_t(b[6]) << 24 | uint32_t(b[7]) << 16 | uint32_t(b[8]) << 8 | b[9];
    a = (a & ~clear) | set;
    b[6] = uint8_t(a >> 24), b[7] = uint8_t(a >> 16), b[8] = uint8_t(a >> 8), b[9] = uint8_t(a);
    return b;
  };
  AttestationKeys keys;
  EXPECT_TRUE(keys.AddTpm2bPublic(with_attributes(0, 0)));
  for (uint32_t required : {0x2u, 0x10u, 0x20u, 0x10000u, 0x40000u}) {  // fixedTPM ... sign
    EXPECT_FALSE(keys.AddTpm2bPublic(with_attributes(required, 0))) << std::hex << required;
  }
  EXPECT_FALSE(keys.AddTpm2bPublic(with_attributes(0, 0x20000u)));  // decrypt
  Bytes truncated(ak.begin(), ak.end() - 1);
  EXPECT_FALSE(keys.AddTpm2bPublic(truncated));
  Bytes trailing = ak;
  trailing.push_back(0);
  EXPECT_FALSE(keys.AddTpm2bPublic(trailing));
  EXPECT_FALSE(keys.AddTpm2bPublic({}));
  EXPECT_EQ(keys.Snapshot()->size(), 1u);
}

TEST(AttestationKeys, RejectsWeakOrForeignKeys) {
  AttestationKeys keys;
  EXPECT_FALSE(keys.AddPem("nonsense"));
  auto p384 = testing::GenerateKey(testing::KeyType::kP384);
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), p384.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  EXPECT_TRUE(keys.AddPem(std::string(data, size_t(len))));
  EXPECT_EQ(keys.Snapshot()->size(), 1u);
}

TEST(AttestationKeys, RemovalTakesEffectForNewSnapshotsOnly) {
  AttestationKeys keys;
  std::string evidence = ReadText(testing::VectorPath("tpm2/quote-ecc.json"));
  auto parsed = AttestationKeys::ParseStored(ReadBytes(testing::VectorPath("tpm2/ak-ecc.pem")));
  ASSERT_TRUE(parsed);
  Sha256Digest fingerprint = parsed->spki_sha256;
  keys.Insert(std::move(*parsed));
  ASSERT_TRUE(
      keys.AddTpm2bPublic(ReadBytes(testing::VectorPath("tpm2/ak-ecc.tpm2b"))));  // same key
  EXPECT_EQ(keys.Snapshot()->size(), 1u);
  EXPECT_TRUE(Tpm2QuoteVerifier(keys).Verify(AsBytes(evidence), Time{}));
  auto before = keys.Snapshot();
  keys.Remove(fingerprint);
  EXPECT_EQ(before->size(), 1u);  // a verification in flight keeps its set
  EXPECT_TRUE(keys.Snapshot()->empty());
  EXPECT_EQ(Tpm2QuoteVerifier(keys).Verify(AsBytes(evidence), Time{}).error().code,
            ErrorCode::kBadSignature);
}

}  // namespace
}  // namespace kb::broker
