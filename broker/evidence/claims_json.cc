#include "broker/evidence/claims_json.h"

#include <cstdio>
#include <string>

#include "common/encoding.h"

namespace kb::broker {
namespace {

boost::json::value OptionalHex(const std::optional<Bytes>& bytes) {
  if (!bytes) return nullptr;
  return boost::json::string(HexEncode(*bytes));
}

// The TPM's vendor-defined 64-bit firmware version, as 16 hex digits.
std::string FirmwareHex(uint64_t version) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(version));
  return buf;
}

boost::json::object TpmToJson(const TpmClaims& tpm) {
  boost::json::object banks;
  for (const auto& [bank, values] : tpm.pcr_banks) {
    boost::json::object pcrs;
    for (const auto& [index, value] : values) pcrs[std::to_string(index)] = HexEncode(value);
    banks[bank] = std::move(pcrs);
  }
  return boost::json::object{{"ak_sha256", HexEncode(tpm.ak_sha256)},
                             {"clock", tpm.clock},
                             {"reset_count", tpm.reset_count},
                             {"restart_count", tpm.restart_count},
                             {"safe", tpm.safe},
                             {"firmware_version", FirmwareHex(tpm.firmware_version)},
                             {"pcr_banks", std::move(banks)}};
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
  boost::json::object out{{"platform", PlatformName(claims.platform)},
                          {"module_id", claims.module_id},
                          {"timestamp", FormatRfc3339(claims.timestamp)},
                          {"digest", claims.digest},
                          {"pcrs", std::move(pcrs)},
                          {"public_key", OptionalHex(claims.public_key)},
                          {"user_data", OptionalHex(claims.user_data)},
                          {"nonce", OptionalHex(claims.nonce)},
                          {"chain", std::move(chain)}};
  if (claims.tpm) out["tpm"] = TpmToJson(*claims.tpm);
  return out;
}

boost::json::object ErrorToJson(const Error& error) {
  return boost::json::object{{"error", ErrorCodeName(error.code)}, {"message", error.message}};
}

}  // namespace kb::broker
