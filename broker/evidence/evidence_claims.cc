#include "broker/evidence/evidence_claims.h"

#include "broker/evidence/verified_evidence.h"
#include "crypto/ct.h"

namespace kb::broker {

Status RequireNonce(const EvidenceClaims& claims, ByteSpan expected) {
  if (!claims.nonce || !CtEqual(*claims.nonce, expected)) {
    return Error{ErrorCode::kNonceMismatch, "document nonce does not match"};
  }
  return Ok();
}

}  // namespace kb::broker
