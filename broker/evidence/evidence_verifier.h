#pragma once

// Every kind of evidence is verified behind one small interface, and chosen by the platform the
// client names (or, when it names none, by the document's form). The text a client sends
// ("auto", "nitro-enclave", ...) is parsed once, at the API and CLI edges (ParseEvidenceType);
// below them only the enum travels.

#include <optional>
#include <string_view>

#include "broker/evidence/verified_evidence.h"
#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"

namespace kb::broker {

// The platform a client says its evidence is from; nullopt ("auto"): whatever the document is.
using EvidenceType = std::optional<Platform>;

// "auto" for nullopt, else the platform's name. (Parsed at the edges: api::ParseEvidenceType.)
std::string_view EvidenceTypeName(EvidenceType type);

class EvidenceVerifier {
 public:
  virtual ~EvidenceVerifier() = default;
  // Verifies `document` as of `now`. With `expected`, a document from another platform is
  // kMalformedEvidence; without, any platform this verifier handles is accepted.
  virtual Result<VerifiedEvidence> Verify(ByteSpan document, Time now,
                                          std::optional<Platform> expected) const = 0;
};

// The verifier for each platform. Thread-safe when the verifiers are.
class EvidenceVerifiers {
 public:
  // REQUIRES: both outlive this. `nitro` verifies nitro-enclave and nitro-tpm documents (CBOR),
  // `tpm2` TPM 2.0 quotes (JSON).
  EvidenceVerifiers(const EvidenceVerifier& nitro, const EvidenceVerifier& tpm2)
      : nitro_(nitro), tpm2_(tpm2) {}

  Result<VerifiedEvidence> Verify(EvidenceType type, ByteSpan document, Time now) const;

 private:
  const EvidenceVerifier& nitro_;
  const EvidenceVerifier& tpm2_;
};

}  // namespace kb::broker
