#include "broker/evidence/evidence_claims.h"

#include "broker/evidence/verified_evidence.h"
#include "crypto/ct.h"

namespace kb::broker {

std::string_view PlatformName(Platform platform) {
  switch (platform) {
    case Platform::kNitroEnclave:
      return "nitro-enclave";
    case Platform::kNitroTpm:
      return "nitro-tpm";
    case Platform::kTpm2Quote:
      return "tpm2-quote";
  }
  return "unknown";
}

policy::Claims ToPolicyClaims(const EvidenceClaims& claims) {
  return policy::Claims{std::string(PlatformName(claims.platform)),
                        claims.module_id,
                        claims.timestamp,
                        claims.pcrs,
                        claims.user_data,
                        claims.nonce};
}

Status RequireNonce(const EvidenceClaims& claims, ByteSpan expected) {
  if (!claims.nonce || !CtEqual(*claims.nonce, expected)) {
    return Error{ErrorCode::kNonceMismatch, "document nonce does not match"};
  }
  return Ok();
}

}  // namespace kb::broker
