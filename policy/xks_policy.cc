#include "policy/xks_policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/yaml_util.h"
#include "policy/internal/pcr_values.h"
#include "policy/policy_parser.h"
#include "policy/reference.h"

namespace kb::policy {
namespace {

constexpr size_t kMaxPatterns = 100;
constexpr size_t kMaxPatternSize = 2048;  // ARNs up to 2048 characters (the spec's minimum)

// The rule fields and the requestMetadata members they read.
struct PatternField {
  const char* yaml;
  std::optional<XksPatterns> XksRule::*member;
};
constexpr PatternField kPatternFields[] = {
    {"aws_principal_arn", &XksRule::aws_principal_arn},
    {"kms_operation", &XksRule::kms_operation},
    {"kms_via_service", &XksRule::kms_via_service},
    {"aws_source_vpc", &XksRule::aws_source_vpc},
    {"aws_source_vpce", &XksRule::aws_source_vpce},
    {"kms_key_arn", &XksRule::kms_key_arn},
};

Result<XksPatterns> ReadPatterns(const YAML::Node& node, const std::string& field) {
  if (!node.IsSequence() || node.size() == 0 || node.size() > kMaxPatterns) {
    return YamlError(node, field + " must be a list of 1 to 100 strings");
  }
  XksPatterns out;
  for (const auto& item : node) {
    auto text = YamlScalar(item, field);
    if (!text) return std::move(text).error();
    if (text->empty() || *text == "*" || text->size() > kMaxPatternSize) {
      return YamlError(item, field + ": an entry must be 1 to 2048 characters and not '*' alone");
    }
    if (text->find('*') != std::string::npos && text->find('*') != text->size() - 1) {
      return YamlError(item, field + ": '*' may only end an entry (a prefix match)");
    }
    out.push_back(*text);
  }
  return out;
}

// "arn:<partition>:<service>:<region>:<12-digit account>:<resource>", with any '*' in the
// resource only: the entry names one AWS account.
bool NamesAnAccount(const std::string& pattern) {
  size_t at = 0;
  for (int field = 0; field < 5; ++field) {
    size_t colon = pattern.find(':', at);
    if (colon == std::string::npos) return false;
    std::string_view text = std::string_view(pattern).substr(at, colon - at);
    if (text.find('*') != std::string_view::npos) return false;
    if (field == 0 && text != "arn") return false;
    if (field == 4 &&
        (text.size() != 12 || text.find_first_not_of("0123456789") != std::string_view::npos)) {
      return false;
    }
    at = colon + 1;
  }
  return true;
}

// An allow rule must tie the key to AWS accounts: one external key can back KMS keys in any
// account that knows its id, and AWS KMS calls every proxy with the same client certificate.
bool BindsAnAccount(const XksRule& rule) {
  for (const auto* field : {&rule.aws_principal_arn, &rule.kms_key_arn}) {
    if (*field && std::all_of((*field)->begin(), (*field)->end(), NamesAnAccount)) return true;
  }
  return false;
}

Status ReadRecipient(const YAML::Node& node, XksRule& rule, bool is_allow) {
  if (auto s = CheckYamlKeys(node, {"image_sha384", "pcrs"}); !s) return s;
  if (const YAML::Node image = node["image_sha384"]) {
    auto hex = YamlScalar(image, "image_sha384");
    if (!hex) return std::move(hex).error();
    auto bytes = HexDecode(*hex);
    if (!bytes || bytes->size() != 48)
      return YamlError(image, "image_sha384 must be 96 hex digits");
    rule.image_sha384 = std::move(*bytes);
  }
  if (node["pcrs"]) {
    auto pcrs = internal::ParsePcrMapYaml(node["pcrs"], Platform::kNitroEnclave);
    if (!pcrs) return std::move(pcrs).error();
    rule.recipient_pcrs = std::move(*pcrs);
  }
  bool binds_image = (rule.image_sha384 && *rule.image_sha384 != Bytes(48, 0)) ||
                     internal::BindsWhatRuns(Platform::kNitroEnclave, rule.recipient_pcrs);
  if (is_allow && !binds_image) {
    return YamlError(node, rule.label + ": recipient must bind the enclave image: image_sha384, " +
                               internal::WhatMustBeBound(Platform::kNitroEnclave));
  }
  if (!rule.image_sha384 && rule.recipient_pcrs.empty()) {
    return YamlError(node, rule.label + ": recipient states no condition");
  }
  return Ok();
}

Result<XksRule> ReadRule(const YAML::Node& node, std::string label, bool is_allow) {
  std::set<std::string> allowed = {"recipient"};
  for (const auto& f : kPatternFields) allowed.insert(f.yaml);
  if (!node.IsMap()) return YamlError(node, label + " must be a mapping of conditions");
  if (auto s = CheckYamlKeys(node, allowed); !s) return std::move(s).error();
  XksRule rule;
  rule.label = std::move(label);
  rule.line = node.Mark().line + 1;
  for (const auto& f : kPatternFields) {
    if (!node[f.yaml]) continue;
    auto patterns = ReadPatterns(node[f.yaml], f.yaml);
    if (!patterns) return std::move(patterns).error();
    rule.*f.member = std::move(*patterns);
  }
  if (node["recipient"]) {
    if (auto s = ReadRecipient(node["recipient"], rule, is_allow); !s) return std::move(s).error();
  }
  if (node.size() == 0) return YamlError(node, rule.label + " has no condition");
  if (is_allow && !BindsAnAccount(rule)) {
    return YamlError(node, rule.label +
                               " must bind AWS accounts: aws_principal_arn or kms_key_arn, each "
                               "entry an ARN with a 12-digit account before any '*' "
                               "(arn:aws:iam::111122223333:*)");
  }
  return rule;
}

Status ReadRules(const YAML::Node& node, const std::string& name, bool is_allow,
                 std::vector<XksRule>& out) {
  if (!node.IsSequence()) return YamlError(node, name + " must be a list of rules");
  for (size_t i = 0; i < node.size(); ++i) {
    auto rule = ReadRule(node[i], name + "[" + std::to_string(i) + "]", is_allow);
    if (!rule) return std::move(rule).error();
    out.push_back(std::move(*rule));
  }
  return Ok();
}

Result<std::vector<std::string>> ReadNames(const YAML::Node& node, const std::string& field) {
  if (!node.IsSequence() || node.size() == 0) {
    return YamlError(node, field + " must be a non-empty list of names");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& item : node) {
    auto name = YamlScalar(item, field);
    if (!name) return std::move(name).error();
    if (!IsValidName(*name))
      return YamlError(item, field + ": '" + *name + "' is not a valid name");
    if (!seen.insert(*name).second) return YamlError(item, "'" + *name + "' is listed twice");
    out.push_back(*name);
  }
  return out;
}

Result<XksPolicy> ReadXksPolicy(const YAML::Node& root) {
  if (!root.IsMap()) return YamlError(root, "a policy is a mapping");
  if (auto s = CheckYamlKeys(root, {"name", "kind", "keystores", "keys", "allow", "deny"}); !s) {
    return std::move(s).error();
  }
  for (const char* required : {"name", "kind", "keystores", "keys", "allow"}) {
    if (!root[required]) return YamlError(root, std::string("missing '") + required + "'");
  }
  auto kind = YamlScalar(root["kind"], "kind");
  if (!kind) return std::move(kind).error();
  if (*kind != "xks") return YamlError(root["kind"], "kind must be xks for an XKS policy");
  XksPolicy policy;
  auto name = YamlScalar(root["name"], "name");
  if (!name) return std::move(name).error();
  if (!IsValidName(*name)) return YamlError(root["name"], "policy name is invalid");
  policy.name = *name;
  auto keystores = ReadNames(root["keystores"], "keystores");
  if (!keystores) return std::move(keystores).error();
  policy.keystores = std::move(*keystores);
  auto keys = ReadNames(root["keys"], "keys");
  if (!keys) return std::move(keys).error();
  policy.keys = std::move(*keys);
  if (auto s = ReadRules(root["allow"], "allow", true, policy.allow); !s) {
    return std::move(s).error();
  }
  if (policy.allow.empty())
    return YamlError(root["allow"], "a policy needs at least one allow rule");
  if (root["deny"]) {
    if (auto s = ReadRules(root["deny"], "deny", false, policy.deny); !s) {
      return std::move(s).error();
    }
  }
  return policy;
}

}  // namespace

bool IsXksPolicySource(std::string_view yaml) {
  if (yaml.size() > kMaxPolicySize) return false;  // ParsePolicy then says it is too large
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return root.IsMap() && root["kind"] && root["kind"].IsScalar() &&
           root["kind"].Scalar() == "xks";
  } catch (const YAML::Exception&) {
    return false;
  }
}

Result<XksPolicy> ParseXksPolicy(std::string_view yaml) {
  if (yaml.size() > kMaxPolicySize) {
    return Error{ErrorCode::kMalformedRequest, "policy is larger than 64 KiB"};
  }
  try {
    auto root = LoadOneYamlDocument(std::string(yaml));
    if (!root) return std::move(root).error();
    return ReadXksPolicy(*root);
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kMalformedRequest,
                 "line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

}  // namespace kb::policy
