#include "broker/evidence/tpm2_quote_verifier.h"

#include <openssl/rsa.h>

#include <set>
#include <string>
#include <utility>

#include "broker/evidence/tpm2_evidence.h"
#include "broker/evidence/tpm2_structures.h"
#include "common/encoding.h"
#include "crypto/ct.h"
#include "crypto/digest.h"

namespace kb::broker {
namespace {

Bytes Hash(TpmHash hash, ByteSpan data) {
  if (hash == TpmHash::kSha256) {
    Sha256Digest d = Sha256(data);
    return Bytes(d.begin(), d.end());
  }
  Sha384Digest d = Sha384(data);
  return Bytes(d.begin(), d.end());
}

// True when `key` signed `digest` as `sig` describes. A key of the other type never verifies.
bool VerifiesWith(EVP_PKEY* key, const TpmSignature& sig, const Bytes& digest) {
  bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
  if (rsa != (sig.scheme != TpmSigScheme::kEcdsa)) return false;
  Bytes signature;
  if (sig.scheme == TpmSigScheme::kEcdsa) {
    auto der = EcdsaSignatureDer(sig.ecdsa_r, sig.ecdsa_s);
    if (!der) return false;
    signature = std::move(*der);
  } else {
    signature = sig.rsa_signature;
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  const EVP_MD* md = sig.hash == TpmHash::kSha256 ? EVP_sha256() : EVP_sha384();
  bool ready = ctx && EVP_PKEY_verify_init(ctx.get()) == 1;
  if (ready && rsa) {
    bool pss = sig.scheme == TpmSigScheme::kRsapss;
    ready = EVP_PKEY_CTX_set_rsa_padding(ctx.get(),
                                         pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1 &&
            EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 &&
            (!pss || (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1 &&
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_AUTO) == 1));
  }
  bool ok = ready && EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(),
                                     digest.size()) == 1;
  OsslClearErrors();
  return ok;
}

// The registered AK that signed the quote, or kBadSignature.
Result<std::shared_ptr<const AttestationKey>> FindSigner(const AttestationKeys& keys,
                                                         const Bytes& quote,
                                                         const TpmSignature& sig) {
  Bytes digest = Hash(sig.hash, quote);
  for (const auto& ak : *keys.Snapshot()) {
    if (VerifiesWith(ak->key.get(), sig, digest)) return ak;
  }
  return Error{ErrorCode::kBadSignature,
               "quote signature does not verify under any registered attestation key"};
}

// The reported PCRs must be exactly the selected ones, the same set of (bank, index) pairs, and
// hash to the signed pcrDigest when concatenated in the TPM's order (banks as selected, indexes
// ascending). The selection names each pair once (ParseTpmQuote refuses a repeated bank), so
// every reported value is covered by the signature exactly once.
Status CheckPcrs(const TpmQuote& quote, const Tpm2Evidence& ev, TpmHash digest_hash) {
  std::set<std::pair<std::string, uint32_t>> selected, reported;
  for (const TpmPcrId& id : quote.selection) {
    if (!selected.emplace(TpmHashName(id.bank), id.index).second) {
      return Error{ErrorCode::kMalformedEvidence, "the quote selects a PCR twice"};
    }
  }
  bool empty_bank = false;
  for (const auto& [bank, values] : ev.pcrs) {
    empty_bank |= values.empty();
    for (const auto& [index, value] : values) reported.emplace(bank, index);
  }
  if (empty_bank || reported != selected) {
    return Error{ErrorCode::kMalformedEvidence, "reported PCRs differ from the quoted selection"};
  }
  Bytes concatenated;
  for (const TpmPcrId& id : quote.selection) {
    const Bytes& value = ev.pcrs.at(TpmHashName(id.bank)).at(id.index);
    concatenated.insert(concatenated.end(), value.begin(), value.end());
  }
  if (!CtEqual(Hash(digest_hash, concatenated), quote.pcr_digest)) {
    return Error{ErrorCode::kBadSignature, "PCR values do not match the quoted digest"};
  }
  return Ok();
}

EvidenceClaims MakeClaims(Tpm2Evidence ev, const TpmQuote& quote, const AttestationKey& ak,
                          Time now) {
  EvidenceClaims claims;
  claims.platform = Platform::kTpm2Quote;
  claims.module_id = "ak:" + HexEncode(ak.spki_sha256);
  claims.timestamp = now;
  bool has_sha256 = ev.pcrs.count("sha256") != 0;
  claims.digest = has_sha256 ? "SHA256" : "SHA384";
  claims.pcrs = ev.pcrs.at(has_sha256 ? "sha256" : "sha384");
  claims.public_key = std::move(ev.public_key);
  claims.nonce = std::move(ev.nonce);
  claims.tpm = TpmClaims{ak.spki_sha256,      quote.clock, quote.reset_count,
                         quote.restart_count, quote.safe,  quote.firmware_version,
                         std::move(ev.pcrs)};
  return claims;
}

}  // namespace

Result<VerifiedEvidence> Tpm2QuoteVerifier::Verify(ByteSpan evidence_json, Time now,
                                                   std::optional<Platform> platform) const {
  if (platform && *platform != Platform::kTpm2Quote) {
    return Error{ErrorCode::kMalformedEvidence,
                 "a TPM quote is tpm2-quote, not " + std::string(PlatformName(*platform))};
  }
  auto ev = ParseTpm2Evidence(evidence_json);
  if (!ev) return std::move(ev).error();
  auto quote = ParseTpmQuote(ev->quote);
  if (!quote) return std::move(quote).error();
  auto sig = ParseTpmSignature(ev->signature);
  if (!sig) return std::move(sig).error();

  auto signer = FindSigner(keys_, ev->quote, *sig);
  if (!signer) return std::move(signer).error();

  Bytes bound = ev->nonce;
  bound.insert(bound.end(), ev->public_key.begin(), ev->public_key.end());
  Sha256Digest expected = Sha256(bound);
  if (!CtEqual(expected, quote->extra_data)) {
    return Error{ErrorCode::kNonceMismatch, "quote extraData is not SHA-256(nonce || public_key)"};
  }
  if (auto s = CheckPcrs(*quote, *ev, sig->hash); !s) return std::move(s).error();
  return VerifiedEvidence(MakeClaims(std::move(*ev), *quote, **signer, now));
}

}  // namespace kb::broker
