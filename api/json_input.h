#pragma once

// Strict decoding of JSON request bodies (Boost.JSON): bounded size and depth, exactly the known
// members, each of its type. Every failure is kMalformedRequest (kPayloadTooLarge for size).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "broker/evidence/evidence_verifier.h"
#include "common/bytes.h"
#include "common/result.h"

namespace kb::api {

Error Malformed(std::string message);

// A JSON object of at most `max_size` bytes and `max_depth` levels.
Result<boost::json::object> ParseObject(std::string_view body, size_t max_size, int max_depth);

// Fails on any member not in `allowed`.
Status OnlyMembers(const boost::json::object& o, std::initializer_list<std::string_view> allowed);

Result<std::string_view> StringMember(const boost::json::object& o, std::string_view key);
// nullopt when absent; an error when present with another type.
Result<std::optional<std::string_view>> OptionalString(const boost::json::object& o,
                                                       std::string_view key);
// An integer in [min, max]; nullopt when absent.
Result<std::optional<int64_t>> OptionalInt(const boost::json::object& o, std::string_view key,
                                           int64_t min, int64_t max);
// A non-empty standard base64 string, decoded.
Result<Bytes> Base64Member(const boost::json::object& o, std::string_view key);

struct EvidenceInput {
  broker::EvidenceType type;  // parsed from auto | nitro-enclave | nitro-tpm | tpm2-quote
  Bytes document;
};

// "auto" | "nitro-enclave" | "nitro-tpm" | "tpm2-quote" → the type; kMalformedRequest otherwise.
// The one place the text becomes the enum (the CLI parses --type through it too).
Result<broker::EvidenceType> ParseEvidenceType(std::string_view text);

// {"type": ..., "document": "<base64>"}
Result<EvidenceInput> ReadEvidence(const boost::json::value* evidence);

}  // namespace kb::api
