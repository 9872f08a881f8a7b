#include "broker/evidence/tpm2_structures.h"

#include <tss2/tss2_mu.h>

#include <algorithm>
#include <string>

namespace kb::broker {
namespace {

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedEvidence, std::move(message)};
}

Result<TpmHash> ToHash(TPMI_ALG_HASH alg) {
  if (alg == TPM2_ALG_SHA256) return TpmHash::kSha256;
  if (alg == TPM2_ALG_SHA384) return TpmHash::kSha384;
  return Error{ErrorCode::kUnsupportedAlgorithm, "TPM hash algorithm must be SHA-256 or SHA-384"};
}

Bytes FromBuffer(const BYTE* data, size_t size) { return Bytes(data, data + size); }

// Each bank at most once: a bank listed twice makes the TPM hash its PCRs twice, and a verifier
// that counted selected PCRs would then accept an invented PCR in place of the repeat.
Status ReadSelection(const TPML_PCR_SELECTION& list, std::vector<TpmPcrId>& out) {
  if (list.count == 0) return Malformed("quote selects no PCR");
  std::vector<TpmHash> banks;
  for (uint32_t b = 0; b < list.count; ++b) {
    const TPMS_PCR_SELECTION& sel = list.pcrSelections[b];
    auto bank = ToHash(sel.hash);
    if (!bank) return std::move(bank).error();
    if (std::find(banks.begin(), banks.end(), *bank) != banks.end()) {
      return Malformed("quote selects the " + std::string(TpmHashName(*bank)) + " bank twice");
    }
    banks.push_back(*bank);
    for (uint32_t byte = 0; byte < sel.sizeofSelect; ++byte) {
      for (uint32_t bit = 0; bit < 8; ++bit) {
        if (sel.pcrSelect[byte] & (1u << bit)) out.push_back({*bank, byte * 8 + bit});
      }
    }
  }
  if (out.empty()) return Malformed("quote selects no PCR");
  return Ok();
}

}  // namespace

const char* TpmHashName(TpmHash hash) { return hash == TpmHash::kSha256 ? "sha256" : "sha384"; }
size_t TpmHashSize(TpmHash hash) { return hash == TpmHash::kSha256 ? 32 : 48; }

Result<TpmQuote> ParseTpmQuote(ByteSpan bytes) {
  if (bytes.empty() || bytes.size() > kMaxTpmStructureSize) return Malformed("quote size");
  TPMS_ATTEST attest{};
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(bytes.data(), bytes.size(), &offset, &attest) !=
      TSS2_RC_SUCCESS) {
    return Malformed("quote is not a TPMS_ATTEST");
  }
  // The TSS stops where the structure ends; anything after it would go unsigned-for.
  if (offset != bytes.size()) return Malformed("trailing bytes after TPMS_ATTEST");
  if (attest.magic != TPM2_GENERATED_VALUE) return Malformed("quote magic is not TPM_GENERATED");
  if (attest.type != TPM2_ST_ATTEST_QUOTE) return Malformed("attestation is not a quote");
  TpmQuote quote;
  quote.qualified_signer = FromBuffer(attest.qualifiedSigner.name, attest.qualifiedSigner.size);
  quote.extra_data = FromBuffer(attest.extraData.buffer, attest.extraData.size);
  quote.clock = attest.clockInfo.clock;
  quote.reset_count = attest.clockInfo.resetCount;
  quote.restart_count = attest.clockInfo.restartCount;
  quote.safe = attest.clockInfo.safe == TPM2_YES;
  quote.firmware_version = attest.firmwareVersion;
  if (auto s = ReadSelection(attest.attested.quote.pcrSelect, quote.selection); !s) {
    return std::move(s).error();
  }
  const TPM2B_DIGEST& digest = attest.attested.quote.pcrDigest;
  quote.pcr_digest = FromBuffer(digest.buffer, digest.size);
  return quote;
}

Result<TpmSignature> ParseTpmSignature(ByteSpan bytes) {
  if (bytes.empty() || bytes.size() > kMaxTpmStructureSize) return Malformed("signature size");
  TPMT_SIGNATURE sig{};
  size_t offset = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(bytes.data(), bytes.size(), &offset, &sig) !=
      TSS2_RC_SUCCESS) {
    return Malformed("signature is not a TPMT_SIGNATURE");
  }
  if (offset != bytes.size()) return Malformed("trailing bytes after TPMT_SIGNATURE");
  TpmSignature out{};
  switch (sig.sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS: {
      const TPMS_SIGNATURE_RSA& rsa =
          sig.sigAlg == TPM2_ALG_RSASSA ? sig.signature.rsassa : sig.signature.rsapss;
      out.scheme = sig.sigAlg == TPM2_ALG_RSASSA ? TpmSigScheme::kRsassa : TpmSigScheme::kRsapss;
      auto hash = ToHash(rsa.hash);
      if (!hash) return std::move(hash).error();
      out.hash = *hash;
      out.rsa_signature = FromBuffer(rsa.sig.buffer, rsa.sig.size);
      return out;
    }
    case TPM2_ALG_ECDSA: {
      const TPMS_SIGNATURE_ECC& ecc = sig.signature.ecdsa;
      out.scheme = TpmSigScheme::kEcdsa;
      auto hash = ToHash(ecc.hash);
      if (!hash) return std::move(hash).error();
      out.hash = *hash;
      out.ecdsa_r = FromBuffer(ecc.signatureR.buffer, ecc.signatureR.size);
      out.ecdsa_s = FromBuffer(ecc.signatureS.buffer, ecc.signatureS.size);
      if (out.ecdsa_r.empty() || out.ecdsa_s.empty()) return Malformed("empty ECDSA signature");
      return out;
    }
    default:
      return Error{ErrorCode::kUnsupportedAlgorithm,
                   "TPM signature scheme must be RSASSA, RSAPSS or ECDSA"};
  }
}

}  // namespace kb::broker
