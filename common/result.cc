#include "common/result.h"

namespace kb {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedRequest:
      return "malformed_request";
    case ErrorCode::kMalformedEvidence:
      return "malformed_evidence";
    case ErrorCode::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case ErrorCode::kUnsupportedPublicKey:
      return "unsupported_public_key";
    case ErrorCode::kBadSignature:
      return "bad_signature";
    case ErrorCode::kUntrustedChain:
      return "untrusted_chain";
    case ErrorCode::kCertificateExpired:
      return "certificate_expired";
    case ErrorCode::kStaleEvidence:
      return "stale_evidence";
    case ErrorCode::kNonceUnknown:
      return "nonce_unknown";
    case ErrorCode::kNonceExpired:
      return "nonce_expired";
    case ErrorCode::kNonceMismatch:
      return "nonce_mismatch";
    case ErrorCode::kNonceReplayed:
      return "nonce_replayed";
    case ErrorCode::kPolicyDenied:
      return "policy_denied";
    case ErrorCode::kKeyNotFound:
      return "key_not_found";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kKeyDisabled:
      return "key_disabled";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kInvalidCiphertext:
      return "invalid_ciphertext";
    case ErrorCode::kIncorrectKey:
      return "incorrect_key";
    case ErrorCode::kWrongKeyPurpose:
      return "wrong_key_purpose";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace kb
