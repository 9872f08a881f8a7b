#pragma once

// The JSON of /v1/challenge and /v1/release (Boost.JSON), decoded strictly: exactly the known
// members, each of its type, sizes bounded before anything is decoded.
//
//   POST /v1/release {"key_id": "...", "evidence": {"type": "nitro-enclave" | "nitro-tpm" |
//                     "tpm2-quote" | "auto", "document": "<base64>"}, "format"?: "cms" |
//                     "rsa-oaep-256"}
//   200 {"key_id", "key_version", "format", "ciphertext_for_recipient", "policy",
//        "policy_version", "decision_id"}
//   4xx/5xx {"error", "message", "decision_id"?}

#include <string>
#include <string_view>

#include "broker/release_service.h"
#include "common/result.h"

namespace kb::api {

// kMalformedRequest (bad JSON, members, types, base64), kPayloadTooLarge past
// kReleaseBodyLimit (routes.h).
Result<broker::ReleaseRequest> DecodeReleaseRequest(std::string_view body);

std::string EncodeRelease(const broker::ReleasedKey& release, uint64_t decision_id);
std::string EncodeChallenge(const broker::Challenge& challenge);
// {"error", "message"} plus "decision_id" when non-zero.
std::string EncodeError(const Error& error, uint64_t decision_id = 0);

}  // namespace kb::api
