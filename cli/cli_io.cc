#include "cli/cli_io.h"

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "broker/evidence/claims_json.h"
#include "broker/evidence/cose_sign1.h"
#include "common/encoding.h"

namespace kb::cli {
namespace {

bool IsBase64Text(const Bytes& data) {
  for (uint8_t c : data) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t';
    if (!ok) return false;
  }
  return !data.empty();
}

}  // namespace

Result<Bytes> ReadFile(const std::string& path, size_t max_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kInternal, path + ": " + std::strerror(errno)};
  Bytes data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.insert(data.end(), buf, buf + in.gcount());
    if (data.size() > max_size) {
      return Error{ErrorCode::kPayloadTooLarge, path + ": file is too large"};
    }
  }
  if (in.bad()) return Error{ErrorCode::kInternal, path + ": read error"};
  return data;
}

Result<std::string> ReadTextFile(const std::string& path, size_t max_size) {
  auto bytes = ReadFile(path, max_size);
  if (!bytes) return std::move(bytes).error();
  return std::string(bytes->begin(), bytes->end());
}

Result<Bytes> ReadEvidenceFile(const std::string& path) {
  // Base64 is 4/3 of the raw size; the verifier enforces the exact document limit.
  auto data = ReadFile(path, broker::kMaxDocumentSize * 2);
  if (!data) return data;
  if (!IsBase64Text(*data)) return data;
  std::string compact;
  for (uint8_t c : *data) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact.push_back(char(c));
  }
  auto decoded = Base64Decode(compact);
  if (!decoded) return Error{ErrorCode::kMalformedEvidence, "evidence is not valid base64"};
  return std::move(*decoded);
}

void PrintJson(const boost::json::object& object) {
  std::cout << boost::json::serialize(object) << '\n';
}

int PrintRejection(const Error& error) {
  PrintJson(broker::ErrorToJson(error));
  return kExitRejected;
}

int UsageError(const std::string& message) {
  std::cerr << "keybroker: " << message << '\n';
  return kExitUsage;
}

int CallError(const Error& error) {
  if (error.code != ErrorCode::kUntrustedChain) return UsageError(error.message);
  return UsageError(error.message +
                    "\nTrust the broker's certificate: pass --ca <data_dir>/tls/cert.pem (the "
                    "certificate `serve` made, or the CA that signed yours), or set KEYBROKER_CA "
                    "to it.");
}

}  // namespace kb::cli
