#include "policy/policy_parser.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/duration.h"
#include "common/encoding.h"
#include "common/yaml_util.h"
#include "crypto/digest.h"
#include "policy/internal/pcr_values.h"
#include "policy/reference.h"
#include "policy/xks_policy.h"

namespace kb::policy {
namespace {

using internal::ParsePcrMapYaml;

constexpr std::chrono::hours kMaxAgeLimit{24};

// Nitro measures the parent instance and its IAM role as SHA-384(48 zero bytes ‖ text) into
// PCR4 and PCR3 (checked against real documents for PCR4); `instance_id` and `iam_role` are the
// readable forms of KMS's PCR4/PCR3 condition keys.
Bytes NitroTextMeasurement(const std::string& text) {
  Bytes input(48, 0);
  input.insert(input.end(), text.begin(), text.end());
  Sha384Digest d = Sha384(input);
  return Bytes(d.begin(), d.end());
}

bool IsInstanceId(const std::string& id) {
  if (id.size() < 10 || id.size() > 19 || id.compare(0, 2, "i-") != 0) return false;
  for (size_t i = 2; i < id.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

// Adds a PCR condition that a matcher implies; it must not contradict an explicit one.
Status AddImpliedPcr(const YAML::Node& node, Rule& rule, uint32_t index, Bytes value) {
  if (rule.pcrs.count(index)) {
    return YamlError(node, "PCR" + std::to_string(index) + " is already bound by pcrs");
  }
  rule.pcrs[index] = std::move(value);
  return Ok();
}

Status ReadNitroMatchers(const YAML::Node& node, Platform platform, Rule& rule) {
  bool enclave = platform == Platform::kNitroEnclave;
  for (const char* key : {"instance_id", "iam_role", "signing_certificate"}) {
    if (node[key] && !enclave) {
      return YamlError(node[key], std::string(key) + " applies to nitro-enclave policies only");
    }
  }
  if (const YAML::Node id = node["instance_id"]) {
    auto text = YamlScalar(id, "instance_id");
    if (!text) return std::move(text).error();
    if (!IsInstanceId(*text))
      return YamlError(id, "instance_id must look like i-0123456789abcdef0");
    if (auto s = AddImpliedPcr(id, rule, 4, NitroTextMeasurement(*text)); !s) return s;
  }
  if (const YAML::Node role = node["iam_role"]) {
    auto text = YamlScalar(role, "iam_role");
    if (!text) return std::move(text).error();
    if (text->rfind("arn:aws", 0) != 0) return YamlError(role, "iam_role must be a role ARN");
    if (auto s = AddImpliedPcr(role, rule, 3, NitroTextMeasurement(*text)); !s) return s;
  }
  if (const YAML::Node cert = node["signing_certificate"]) {
    auto hex = YamlScalar(cert, "signing_certificate");
    if (!hex) return std::move(hex).error();
    auto value = internal::ParsePcrHex(*hex, platform, 8);
    if (!value) return YamlError(cert, "signing_certificate: " + value.error().message);
    if (auto s = AddImpliedPcr(cert, rule, 8, std::move(*value)); !s) return s;
  }
  return Ok();
}

Status ReadClaimMatchers(const YAML::Node& node, Rule& rule) {
  if (const YAML::Node id = node["module_id"]) {
    auto text = YamlScalar(id, "module_id");
    if (!text) return std::move(text).error();
    if (text->empty()) return YamlError(id, "module_id must not be empty");
    rule.module_id = *text;
  }
  if (const YAML::Node data = node["user_data"]) {
    auto hex = YamlScalar(data, "user_data");
    if (!hex) return std::move(hex).error();
    auto bytes = HexDecode(*hex);
    if (!bytes || bytes->size() > 1024)
      return YamlError(data, "user_data must be hex, ≤ 1024 bytes");
    rule.user_data = std::move(*bytes);
  }
  if (const YAML::Node until = node["until"]) {
    auto text = YamlScalar(until, "until");
    if (!text) return std::move(text).error();
    auto t = ParseRfc3339(*text);
    if (!t) return YamlError(until, "until must be an RFC 3339 time");
    rule.until = *t;
  }
  return Ok();
}

Result<Rule> ReadRule(const YAML::Node& node, Platform platform, bool allow_debug,
                      std::string label, bool is_allow) {
  static const std::set<std::string> kKeys = {
      "reference", "pcrs",        "until",    "module_id",
      "user_data", "instance_id", "iam_role", "signing_certificate"};
  if (auto s = CheckYamlKeys(node, kKeys); !s) return std::move(s).error();
  Rule rule;
  rule.label = std::move(label);
  rule.line = node.Mark().line + 1;
  if (const YAML::Node ref = node["reference"]) {
    auto name = YamlScalar(ref, "reference");
    if (!name) return std::move(name).error();
    if (!IsValidName(*name)) return YamlError(ref, "reference name is invalid");
    rule.reference = *name;
  }
  bool explicit_pcrs = static_cast<bool>(node["pcrs"]);
  if (explicit_pcrs) {
    auto pcrs = ParsePcrMapYaml(node["pcrs"], platform);
    if (!pcrs) return std::move(pcrs).error();
    rule.pcrs = std::move(*pcrs);
  }
  if (auto s = ReadNitroMatchers(node, platform, rule); !s) return std::move(s).error();
  if (auto s = ReadClaimMatchers(node, rule); !s) return std::move(s).error();

  if (is_allow && !rule.reference && !explicit_pcrs) {
    return YamlError(node, rule.label + " binds no measurement: give a reference or pcrs");
  }
  // With a reference, ValidateReference has checked the same of the reference's PCRs.
  bool inline_only = is_allow && !rule.reference;
  if (inline_only && !internal::BindsWhatRuns(platform, rule.pcrs, allow_debug)) {
    // PCR3 (IAM role) and PCR4 (instance) say where an enclave runs, not what it runs.
    std::string why = platform == Platform::kNitroTpm
                          ? " on nitro-tpm (GHSA-xrv8-2pf5-f3q7)"
                          : " on nitro-enclave: without either, any image "
                            "passes";
    return YamlError(node, rule.label + " must bind " + internal::WhatMustBeBound(platform) + why +
                               internal::ZeroBindingNote(platform, rule.pcrs));
  }
  if (!rule.reference && rule.pcrs.empty() && !rule.module_id && !rule.user_data) {
    return YamlError(node, rule.label + " has no condition");
  }
  return rule;
}

enum class RuleKind { kAllow, kDeny };

Status ReadRules(const YAML::Node& node, Platform platform, bool allow_debug, RuleKind kind,
                 std::vector<Rule>& out) {
  std::string name = kind == RuleKind::kAllow ? "allow" : "deny";
  if (!node.IsSequence()) return YamlError(node, name + " must be a list of rules");
  for (size_t i = 0; i < node.size(); ++i) {
    auto rule = ReadRule(node[i], platform, allow_debug, name + "[" + std::to_string(i) + "]",
                         kind == RuleKind::kAllow);
    if (!rule) return std::move(rule).error();
    out.push_back(std::move(*rule));
  }
  return Ok();
}

Status ReadFreshness(const YAML::Node& node, Policy& policy) {
  if (auto s = CheckYamlKeys(node, {"max_age", "nonce"}); !s) return s;
  if (const YAML::Node age = node["max_age"]) {
    auto text = YamlScalar(age, "max_age");
    if (!text) return std::move(text).error();
    auto duration = ParseDuration(*text);
    if (!duration || duration->count() < 1 || *duration > kMaxAgeLimit) {
      return YamlError(age, "max_age must be a duration between 1s and 24h");
    }
    policy.max_age = *duration;
  }
  if (const YAML::Node nonce = node["nonce"]) {
    auto text = YamlScalar(nonce, "nonce");
    if (!text) return std::move(text).error();
    if (*text != "required" && *text != "optional") {
      return YamlError(nonce, "nonce must be required or optional");
    }
    policy.nonce = *text == "required" ? NonceMode::kRequired : NonceMode::kOptional;
  }
  return Ok();
}

Status ReadKeys(const YAML::Node& node, Policy& policy) {
  if (!node.IsSequence() || node.size() == 0) {
    return YamlError(node, "keys must be a non-empty list of key ids");
  }
  std::set<std::string> seen;
  for (const auto& item : node) {
    auto key = YamlScalar(item, "a key id");
    if (!key) return std::move(key).error();
    if (!IsValidName(*key)) return YamlError(item, "key id '" + *key + "' is invalid");
    if (!seen.insert(*key).second) return YamlError(item, "key '" + *key + "' is listed twice");
    policy.keys.push_back(*key);
  }
  return Ok();
}

Result<Policy> ReadPolicy(const YAML::Node& root) {
  if (!root.IsMap()) return YamlError(root, "a policy is a mapping");
  if (root["kind"]) {
    return YamlError(root["kind"],
                     "kind: xks makes an XKS policy, for the XKS proxy API "
                     "(docs/xks.md); a release policy has no kind");
  }
  if (auto s = CheckYamlKeys(root, {"name", "keys", "platform", "freshness", "allow_debug",
                                    "require_attestation", "allow", "deny"});
      !s) {
    return std::move(s).error();
  }
  for (const char* required : {"name", "keys", "platform", "allow"}) {
    if (!root[required]) return YamlError(root, std::string("missing '") + required + "'");
  }
  Policy policy;
  auto name = YamlScalar(root["name"], "name");
  if (!name) return std::move(name).error();
  if (!IsValidName(*name)) return YamlError(root["name"], "policy name is invalid");
  policy.name = *name;
  auto platform = YamlScalar(root["platform"], "platform");
  if (!platform) return std::move(platform).error();
  auto parsed_platform = ParsePlatform(*platform);
  if (!parsed_platform) {
    return YamlError(root["platform"], "platform must be nitro-enclave, nitro-tpm or tpm2-quote");
  }
  policy.platform = *parsed_platform;
  if (auto s = ReadKeys(root["keys"], policy); !s) return std::move(s).error();
  if (root["freshness"]) {
    if (auto s = ReadFreshness(root["freshness"], policy); !s) return std::move(s).error();
  }
  if (const YAML::Node debug = root["allow_debug"]) {
    auto text = YamlScalar(debug, "allow_debug");
    if (!text) return std::move(text).error();
    if (*text != "true" && *text != "false")
      return YamlError(debug, "allow_debug must be true or false");
    if (*text == "true" && policy.platform != Platform::kNitroEnclave) {
      return YamlError(debug, "allow_debug applies to nitro-enclave policies only");
    }
    policy.allow_debug = *text == "true";
    policy.allow_debug_line = debug.Mark().line + 1;
  }
  if (const YAML::Node attestation = root["require_attestation"]) {
    auto text = YamlScalar(attestation, "require_attestation");
    if (!text) return std::move(text).error();
    if (*text != "true" && *text != "false") {
      return YamlError(attestation, "require_attestation must be true or false");
    }
    policy.require_attestation = *text == "true";
  }
  if (auto s = ReadRules(root["allow"], policy.platform, policy.allow_debug, RuleKind::kAllow,
                         policy.allow);
      !s) {
    return std::move(s).error();
  }
  if (policy.allow.empty())
    return YamlError(root["allow"], "a policy needs at least one allow rule");
  if (root["deny"]) {
    if (auto s = ReadRules(root["deny"], policy.platform, policy.allow_debug, RuleKind::kDeny,
                           policy.deny);
        !s) {
      return std::move(s).error();
    }
  }
  return policy;
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view yaml) {
  if (yaml.size() > kMaxPolicySize) {
    return Error{ErrorCode::kMalformedRequest, "policy is larger than 64 KiB"};
  }
  // yaml-cpp reports syntax errors by exception; this is the one place they are caught.
  try {
    // Two `allow:` keys, or a second document, would otherwise show a reviewer one rule list
    // while another applies.
    auto root = LoadOneYamlDocument(std::string(yaml));
    if (!root) return std::move(root).error();
    return ReadPolicy(*root);
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kMalformedRequest,
                 "line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

Result<std::string> ParsePolicyOfEitherKind(std::string_view yaml) {
  if (IsXksPolicySource(yaml)) {
    auto parsed = ParseXksPolicy(yaml);
    if (!parsed) return std::move(parsed).error();
    return parsed->name;
  }
  auto parsed = ParsePolicy(yaml);
  if (!parsed) return std::move(parsed).error();
  return parsed->name;
}

}  // namespace kb::policy
