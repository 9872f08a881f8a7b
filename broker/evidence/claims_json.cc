#include "broker/evidence/claims_json.h"

#include <string>

#include "common/encoding.h"

namespace kb::broker {
namespace {

boost::json::value OptionalHex(const std::optional<Bytes>& bytes) {
  if (!bytes) return nullptr;
  return boost::json::string(HexEncode(*bytes));
}

}  // namespace

boost::json::object ClaimsToJson(const EvidenceClaims& claims) {
  boost::json::object pcrs;
  for (const auto& [index, value] : claims.pcrs) pcrs[std::to_string(index)] = HexEncode(value);
  boost::json::array chain;
  for (const CertificateInfo& cert : claims.chain) {
    chain.push_back(boost::json::object{{"subject", cert.subject},
                                        {"not_before", FormatRfc3339(cert.not_before)},
                                        {"not_after", FormatRfc3339(cert.not_after)},
                                        {"sha256", HexEncode(cert.sha256)}});
  }
  return boost::json::object{{"platform", PlatformName(claims.platform)},
                             {"module_id", claims.module_id},
                             {"timestamp", FormatRfc3339(claims.timestamp)},
                             {"digest", claims.digest},
                             {"pcrs", std::move(pcrs)},
                             {"public_key", OptionalHex(claims.public_key)},
                             {"user_data", OptionalHex(claims.user_data)},
                             {"nonce", OptionalHex(claims.nonce)},
                             {"chain", std::move(chain)}};
}

boost::json::object ErrorToJson(const Error& error) {
  return boost::json::object{{"error", ErrorCodeName(error.code)}, {"message", error.message}};
}

}  // namespace kb::broker
