#include "api/error_status.h"

namespace kb::api {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedRequest:
    case ErrorCode::kMalformedEvidence:
    case ErrorCode::kUnsupportedAlgorithm:
    case ErrorCode::kUnsupportedPublicKey:
    case ErrorCode::kInvalidCiphertext:
    case ErrorCode::kIncorrectKey:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kBadSignature:
    case ErrorCode::kUntrustedChain:
    case ErrorCode::kCertificateExpired:
    case ErrorCode::kStaleEvidence:
    case ErrorCode::kNonceUnknown:
    case ErrorCode::kNonceExpired:
    case ErrorCode::kNonceMismatch:
    case ErrorCode::kNonceReplayed:
    case ErrorCode::kPolicyDenied:
    case ErrorCode::kKeyDisabled:
    case ErrorCode::kForbidden:
    case ErrorCode::kWrongKeyPurpose:
      return 403;
    case ErrorCode::kKeyNotFound:
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace kb::api
