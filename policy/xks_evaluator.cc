#include "policy/xks_evaluator.h"

#include <algorithm>

#include "common/encoding.h"
#include "crypto/ct.h"

namespace kb::policy {
namespace {

bool Matches(const XksPatterns& patterns, std::string_view value) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    if (p.ends_with('*')) return value.starts_with(std::string_view(p).substr(0, p.size() - 1));
    return value == p;
  });
}

// A measurement as KMS sends it (hex of either case) equals `expected`, compared in constant
// time; absent or malformed: no.
bool MeasurementIs(const XksRequestMetadata& metadata, const std::string& field,
                   const Bytes& expected) {
  auto it = metadata.find(field);
  if (it == metadata.end()) return false;
  auto value = HexDecode(it->second);
  return value && CtEqual(*value, expected);
}

// The first condition of `rule` that `metadata` fails, or "" when all hold.
std::string FirstFailure(const XksRule& rule, const XksRequestMetadata& metadata) {
  static constexpr std::pair<const char*, std::optional<XksPatterns> XksRule::*> kFields[] = {
      {"awsPrincipalArn", &XksRule::aws_principal_arn}, {"kmsOperation", &XksRule::kms_operation},
      {"kmsViaService", &XksRule::kms_via_service},     {"awsSourceVpc", &XksRule::aws_source_vpc},
      {"awsSourceVpce", &XksRule::aws_source_vpce},     {"kmsKeyArn", &XksRule::kms_key_arn},
  };
  for (const auto& [field, member] : kFields) {
    const auto& patterns = rule.*member;
    if (!patterns) continue;
    auto it = metadata.find(field);
    if (it == metadata.end()) return std::string(field) + " is absent";
    if (!Matches(*patterns, it->second)) return std::string(field) + " does not match";
  }
  if (rule.image_sha384 &&
      !MeasurementIs(metadata, "kmsRecipientAttestationImageSha384", *rule.image_sha384)) {
    return "kmsRecipientAttestationImageSha384 is absent or differs";
  }
  for (const auto& [index, value] : rule.recipient_pcrs) {
    std::string field = "kmsRecipientAttestationPCR" + std::to_string(index);
    if (!MeasurementIs(metadata, field, value)) return field + " is absent or differs";
  }
  return "";
}

bool Names(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

XksEvaluation EvaluateXksPolicy(const XksPolicy& policy, std::string_view keystore,
                                std::string_view key_id, const XksRequestMetadata& metadata) {
  XksEvaluation out;
  out.policy = policy.name;
  if (!Names(policy.keystores, keystore)) {
    out.reason = "policy " + policy.name + " does not name key store " + std::string(keystore);
    return out;
  }
  if (!Names(policy.keys, key_id)) {
    out.reason = "policy " + policy.name + " does not name key " + std::string(key_id);
    return out;
  }
  for (const XksRule& rule : policy.deny) {
    if (FirstFailure(rule, metadata).empty()) {
      out.matched_rule = rule.label;
      out.reason = "policy " + policy.name + ": " + rule.label + " (line " +
                   std::to_string(rule.line) + ") denies";
      return out;
    }
  }
  // The first matching rule decides, unless a later matching one binds a recipient: a key with
  // attestation_required needs one that does.
  std::string misses;
  for (const XksRule& rule : policy.allow) {
    std::string failure = FirstFailure(rule, metadata);
    if (!failure.empty()) {
      misses += (misses.empty() ? "" : "; ") + rule.label + ": " + failure;
      continue;
    }
    bool binds_recipient = rule.image_sha384 || !rule.recipient_pcrs.empty();
    if (!out.allow || (binds_recipient && !out.recipient_bound)) {
      out.allow = true;
      out.recipient_bound = binds_recipient;
      out.matched_rule = rule.label;
      out.reason = "policy " + policy.name + ": " + rule.label + " allows" +
                   (binds_recipient ? " (recipient bound)" : "");
    }
    if (out.recipient_bound) return out;
  }
  if (out.allow) return out;
  out.reason = "policy " + policy.name + ": no allow rule matches (" + misses + ")";
  return out;
}

XksEvaluation DecideXks(std::string_view keystore, std::string_view key_id,
                        std::span<const XksPolicy* const> policies,
                        const XksRequestMetadata& metadata) {
  XksEvaluation last, allowed;
  bool governed = false;
  for (const XksPolicy* policy : policies) {
    if (!Names(policy->keystores, keystore) || !Names(policy->keys, key_id)) continue;
    governed = true;
    last = EvaluateXksPolicy(*policy, keystore, key_id, metadata);
    if (last.allow && last.recipient_bound) return last;
    if (last.allow && !allowed.allow) allowed = last;
  }
  if (allowed.allow) return allowed;
  if (!governed) {
    last.reason = "no active XKS policy names key store " + std::string(keystore) + " and key " +
                  std::string(key_id);
  }
  return last;
}

}  // namespace kb::policy
