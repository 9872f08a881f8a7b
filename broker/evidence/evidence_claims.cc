#include "broker/evidence/evidence_claims.h"

#include "broker/evidence/verified_evidence.h"
#include "crypto/ct.h"

namespace kb::broker {

policy::Claims ToPolicyClaims(const EvidenceClaims& claims) {
  return policy::Claims{claims.platform, claims.module_id, claims.timestamp,
                        claims.pcrs,     claims.user_data, claims.nonce};
}

Status RequireNonce(const EvidenceClaims& claims, ByteSpan expected) {
  if (!claims.nonce || !CtEqual(*claims.nonce, expected)) {
    return Error{ErrorCode::kNonceMismatch, "document nonce does not match"};
  }
  return Ok();
}

}  // namespace kb::broker
