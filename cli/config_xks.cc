#include "cli/config_xks.h"

namespace kb::cli {
namespace {

// KMS's XksProxyUriPath is at most 128 characters: the prefix and "/kms/xks/v1".
constexpr size_t kMaxPrefixSize = 128 - 11;

Error Bad(const std::string& message) {
  return Error{ErrorCode::kMalformedRequest, "xks." + message};
}

bool IsRegion(const std::string& region) {
  return !region.empty() && region.size() <= 32 &&
         region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

}  // namespace

Status ReadXks(const ConfigSection& xks, XksConfig& out) {
  if (auto s = xks.CheckKeys(
          {"enabled", "uri_prefix", "region", "fleet_size", "client_ca", "client_subject"});
      !s) {
    return s;
  }
  std::string enabled;
  if (auto s = xks.String("enabled", enabled); !s) return s;
  if (!enabled.empty() && enabled != "true" && enabled != "false") {
    return xks.ErrorAt("enabled", "expected true or false, got '" + enabled + "'");
  }
  out.enabled = enabled == "true";
  for (Status s : {xks.String("uri_prefix", out.uri_prefix), xks.String("region", out.region),
                   xks.Int("fleet_size", out.fleet_size), xks.String("client_ca", out.client_ca),
                   xks.String("client_subject", out.client_subject)}) {
    if (!s) return s;
  }
  return Ok();
}

Status ValidateXks(XksConfig& xks, const std::string& kms_region) {
  if (xks.region.empty()) xks.region = kms_region;
  if (!IsRegion(xks.region)) return Bad("region must be like us-east-1");
  const std::string& prefix = xks.uri_prefix;
  if (!prefix.empty() &&
      (prefix[0] != '/' || prefix.back() == '/' || prefix.size() > kMaxPrefixSize ||
       prefix.find("//") != std::string::npos ||
       prefix.find_first_not_of(
           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-") !=
           std::string::npos)) {
    return Bad("uri_prefix must be empty or /<segments> of [A-Za-z0-9_-], at most 117 characters");
  }
  // The admin API and the attestation endpoints live under /v1/.
  if (prefix == "/v1" || prefix.starts_with("/v1/")) return Bad("uri_prefix must not be under /v1");
  if (xks.fleet_size < 1 || xks.fleet_size > 1000) return Bad("fleet_size must be 1..1000");
  if (xks.client_ca.empty() && !xks.client_subject.empty()) {
    return Bad("client_subject needs client_ca");
  }
  if (!xks.client_ca.empty() && xks.client_subject.empty()) {
    xks.client_subject = "cks.kms." + xks.region + ".amazonaws.com";
  }
  return Ok();
}

}  // namespace kb::cli
