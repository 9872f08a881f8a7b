// What a new attestation key must be (AttestationKeys::Parse): a TPM2B_PUBLIC, exactly, of a
// restricted signing key that never left its TPM, every field consistent with what a TPM makes.
// PEM is refused for new keys and accepted only as a stored (legacy, unproven) row.

#include "broker/evidence/attestation_keys.h"

#include <gtest/gtest.h>
#include <tss2/tss2_mu.h>

#include <functional>

#include "tests/support/test_paths.h"

namespace kb::broker {
namespace {

Bytes Vector(const std::string& name) { return testing::ReadVector("tpm2/" + name); }

TPM2B_PUBLIC Unmarshal(const Bytes& bytes) {
  TPM2B_PUBLIC pub{};
  size_t offset = 0;
  EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &pub), 0u);
  return pub;
}

Bytes Marshal(TPM2B_PUBLIC pub) {
  pub.size = 0;  // recomputed by the marshaller
  Bytes out(sizeof(TPM2B_PUBLIC));
  size_t offset = 0;
  EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, out.data(), out.size(), &offset), 0u);
  out.resize(offset);
  return out;
}

// The vector AK (`tpm2_createak -u` from swtpm) with one field changed.
Bytes Edited(const std::string& vector, const std::function<void(TPMT_PUBLIC&)>& edit) {
  TPM2B_PUBLIC pub = Unmarshal(Vector(vector));
  edit(pub.publicArea);
  return Marshal(pub);
}

std::string Refusal(const Bytes& bytes) {
  auto r = AttestationKeys::Parse(bytes);
  return r ? "accepted" : r.error().message;
}

TEST(AttestationKeysParse, TakesTheAksATpmMakes) {
  for (const char* alg : {"ecc", "rsa"}) {
    Bytes ak = Vector(std::string("ak-") + alg + ".tpm2b");
    EXPECT_EQ(Refusal(ak), "accepted") << alg;
    EXPECT_EQ(Marshal(Unmarshal(ak)), ak) << alg;  // the editing below changes only its field
    auto parsed = AttestationKeys::Parse(ak);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->form, AttestationKeyForm::kTpm2bPublic);
  }
}

TEST(AttestationKeysParse, RefusesPemForNewKeysButLoadsStoredPemRows) {
  Bytes pem = Vector("ak-ecc.pem");
  EXPECT_NE(Refusal(pem).find("PEM attestation keys are no longer accepted"), std::string::npos);
  AttestationKeys keys;
  EXPECT_FALSE(keys.AddTpm2bPublic(pem));
  EXPECT_EQ(keys.CountPem(), 0u);

  auto stored = AttestationKeys::ParseStored(pem);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->form, AttestationKeyForm::kPem);
  auto same = AttestationKeys::ParseStored(Vector("ak-ecc.tpm2b"));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->form, AttestationKeyForm::kTpm2bPublic);
  EXPECT_EQ(same->spki_sha256, stored->spki_sha256);
  keys.Insert(std::move(*stored));
  EXPECT_EQ(keys.CountPem(), 1u);
  EXPECT_FALSE(AttestationKeys::ParseStored(AsBytes("-----BEGIN nonsense")));
}

TEST(AttestationKeysParse, TheSizeFieldMustCountExactlyTheContent) {
  Bytes ak = Vector("ak-ecc.tpm2b");
  Bytes shorter = ak;
  shorter[1] -= 1;  // the TSS unmarshaller alone accepts this
  EXPECT_EQ(Refusal(shorter), "attestation key is not a TPM2B_PUBLIC");
  Bytes longer = ak;
  longer[1] += 1;
  longer.push_back(0);
  EXPECT_EQ(Refusal(longer), "attestation key is not a TPM2B_PUBLIC");
  Bytes trailing = ak;
  trailing.push_back(0);
  EXPECT_EQ(Refusal(trailing), "attestation key is not a TPM2B_PUBLIC");
}

TEST(AttestationKeysParse, RefusesEveryAttributeSetButARestrictedSigningKeyFixedToItsTpm) {
  for (TPMA_OBJECT required :
       {TPMA_OBJECT_FIXEDTPM, TPMA_OBJECT_FIXEDPARENT, TPMA_OBJECT_SENSITIVEDATAORIGIN,
        TPMA_OBJECT_RESTRICTED, TPMA_OBJECT_SIGN_ENCRYPT}) {
    EXPECT_NE(
        Refusal(Edited("ak-ecc.tpm2b", [&](TPMT_PUBLIC& p) { p.objectAttributes &= ~required; })),
        "accepted")
        << std::hex << required;
  }
  EXPECT_NE(Refusal(Edited("ak-rsa.tpm2b",
                           [](TPMT_PUBLIC& p) { p.objectAttributes |= TPMA_OBJECT_DECRYPT; })),
            "accepted");
}

TEST(AttestationKeysParse, RefusesFieldsNoRestrictedSigningKeyHas) {
  std::vector<std::pair<std::string, std::function<void(TPMT_PUBLIC&)>>> cases = {
      {"ak-ecc.tpm2b", [](TPMT_PUBLIC& p) { p.nameAlg = TPM2_ALG_NULL; }},
      {"ak-ecc.tpm2b",
       [](TPMT_PUBLIC& p) { p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL; }},
      {"ak-ecc.tpm2b",
       [](TPMT_PUBLIC& p) { p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECSCHNORR; }},
      {"ak-ecc.tpm2b",
       [](TPMT_PUBLIC& p) {
         p.parameters.eccDetail.scheme.details.anySig.hashAlg = TPM2_ALG_NULL;
       }},
      {"ak-ecc.tpm2b",
       [](TPMT_PUBLIC& p) {
         p.parameters.eccDetail.kdf.scheme = TPM2_ALG_KDF1_SP800_56A;
         p.parameters.eccDetail.kdf.details.kdf1_sp800_56a.hashAlg = TPM2_ALG_SHA256;
       }},
      {"ak-ecc.tpm2b",
       [](TPMT_PUBLIC& p) {
         p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
         p.parameters.eccDetail.symmetric.keyBits.aes = 128;
         p.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
       }},
      {"ak-rsa.tpm2b",
       [](TPMT_PUBLIC& p) { p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL; }},
      {"ak-rsa.tpm2b",
       [](TPMT_PUBLIC& p) { p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSAES; }},
      {"ak-rsa.tpm2b", [](TPMT_PUBLIC& p) { p.parameters.rsaDetail.keyBits = 3072; }},
      {"ak-rsa.tpm2b", [](TPMT_PUBLIC& p) { p.parameters.rsaDetail.exponent = 1; }},
      {"ak-rsa.tpm2b", [](TPMT_PUBLIC& p) { p.parameters.rsaDetail.exponent = 3; }},
      {"ak-rsa.tpm2b",
       [](TPMT_PUBLIC& p) {
         p.parameters.rsaDetail.keyBits = 1024;
         p.unique.rsa.size = 128;
       }},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_NE(Refusal(Edited(cases[i].first, cases[i].second)), "accepted") << "case " << i;
  }
}

// A keyed-hash or symmetric object with the attributes of an AK is still not an AK.
TEST(AttestationKeysParse, RefusesObjectsThatAreNotAsymmetricKeys) {
  TPM2B_PUBLIC hmac{};
  hmac.publicArea.type = TPM2_ALG_KEYEDHASH;
  hmac.publicArea.nameAlg = TPM2_ALG_SHA256;
  hmac.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                     TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED |
                                     TPMA_OBJECT_SIGN_ENCRYPT;
  hmac.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_HMAC;
  hmac.publicArea.parameters.keyedHashDetail.scheme.details.hmac.hashAlg = TPM2_ALG_SHA256;
  hmac.publicArea.unique.keyedHash.size = 32;
  EXPECT_EQ(Refusal(Marshal(hmac)), "attestation key must be RSA or ECC");
  TPM2B_PUBLIC cipher = hmac;
  cipher.publicArea.type = TPM2_ALG_SYMCIPHER;
  cipher.publicArea.parameters.symDetail.sym.algorithm = TPM2_ALG_AES;
  cipher.publicArea.parameters.symDetail.sym.keyBits.aes = 128;
  cipher.publicArea.parameters.symDetail.sym.mode.aes = TPM2_ALG_CFB;
  cipher.publicArea.unique.sym.size = 32;
  EXPECT_EQ(Refusal(Marshal(cipher)), "attestation key must be RSA or ECC");
}

}  // namespace
}  // namespace kb::broker
