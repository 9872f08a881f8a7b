#include "broker/evidence/evidence_verifier.h"

#include <string>

#include "broker/evidence/tpm2_evidence.h"

namespace kb::broker {

std::string_view EvidenceTypeName(EvidenceType type) { return type ? PlatformName(*type) : "auto"; }

Result<VerifiedEvidence> EvidenceVerifiers::Verify(EvidenceType type, ByteSpan document,
                                                   Time now) const {
  // Without a named platform, the form decides: TPM quotes are JSON, Nitro documents CBOR.
  bool quote = type ? *type == Platform::kTpm2Quote : IsJsonEvidence(document);
  return (quote ? tpm2_ : nitro_).Verify(document, now, type);
}

}  // namespace kb::broker
