#pragma once

// Shared plumbing of the subcommands: exit codes, file input, JSON output.

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::cli {

// The command-line contract: 0 success/allow, 1 rejected/denied (JSON on stdout), 2 usage or
// I/O error (message on stderr).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

// The whole file. kInternal for an I/O error (exit 2); kPayloadTooLarge past `max_size`.
Result<Bytes> ReadFile(const std::string& path, size_t max_size);

// The whole file as text; errors as ReadFile.
Result<std::string> ReadTextFile(const std::string& path, size_t max_size);

// Raw CBOR or base64 of it: a file made only of base64 characters and whitespace is decoded.
Result<Bytes> ReadEvidenceFile(const std::string& path);

// One JSON object and a newline on stdout.
void PrintJson(const boost::json::object& object);

// Prints {"error", "message"} on stdout and returns kExitRejected.
int PrintRejection(const Error& error);

// Prints "keybroker: <message>" on stderr and returns kExitUsage.
int UsageError(const std::string& message);

// A call to a broker that failed (connection, TLS, answer): as UsageError, and when the broker's
// certificate did not verify (kUntrustedChain), how to trust it.
int CallError(const Error& error);

}  // namespace kb::cli
