#include "policy/evaluator.h"

#include <algorithm>
#include <optional>

#include "common/encoding.h"
#include "crypto/ct.h"
#include "policy/internal/pcr_values.h"

namespace kb::policy {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

// A document a little ahead of our clock is clock skew, not an attack.
constexpr seconds kAllowedClockSkew{60};

std::string PcrName(uint32_t index) { return "PCR" + std::to_string(index); }

Check CompareBytes(std::string what, const Bytes& expected, const Bytes* actual) {
  bool matched = actual != nullptr && CtEqual(expected, *actual);
  return {std::move(what), HexEncode(expected), actual ? HexEncode(*actual) : "(absent)", matched};
}

// With `fail_closed` (deny rules), a PCR the evidence does not report, or reports from another
// bank (another size), counts as matching: a TPM host chooses what its quote covers, and
// leaving out the PCR a deny rule names must not lift the deny.
void ComparePcrs(const std::map<uint32_t, Bytes>& expected, const Claims& claims,
                 RuleResult& result, bool fail_closed) {
  for (const auto& [index, value] : expected) {
    auto it = claims.pcrs.find(index);
    const Bytes* actual = it == claims.pcrs.end() ? nullptr : &it->second;
    if (fail_closed && (actual == nullptr || actual->size() != value.size())) {
      result.checks.push_back(
          {PcrName(index), HexEncode(value),
           actual ? "(another bank): failing closed" : "(absent): failing closed", true});
      continue;
    }
    result.checks.push_back(CompareBytes(PcrName(index), value, actual));
  }
}

RuleResult EvaluateRule(const Rule& rule, bool is_deny, const Policy& policy, const Claims& claims,
                        const ReferenceMap& references, Time now) {
  RuleResult result{rule.label, false, {}, {}};
  bool usable = true;
  if (rule.until) {
    bool open = now < *rule.until;
    result.checks.push_back({"until", FormatRfc3339(*rule.until), FormatRfc3339(now), open});
  }
  std::map<uint32_t, Bytes> bound = rule.pcrs;  // what the rule binds, with its reference's
  if (rule.reference) {
    if (auto why = InactiveReference(*rule.reference, policy, references)) {
      // An allow rule whose reference is not active matches nothing. A deny rule fails closed:
      // its reference's condition counts as met, so one principal revoking (or never approving)
      // the reference cannot lift a deny that the policy's approvers agreed on. Its other
      // conditions still apply.
      usable = is_deny;
      result.note = *why + (is_deny ? ": failing closed" : "");
    } else {
      const auto& reference_pcrs = references.find(*rule.reference)->second.pcrs;
      ComparePcrs(reference_pcrs, claims, result, is_deny);
      bound.insert(reference_pcrs.begin(), reference_pcrs.end());
    }
  }
  ComparePcrs(rule.pcrs, claims, result, is_deny);
  if (rule.module_id) {
    bool same = claims.module_id == *rule.module_id;
    result.checks.push_back({"module_id", *rule.module_id, claims.module_id, same});
  }
  if (rule.user_data) {
    result.checks.push_back(CompareBytes("user_data", *rule.user_data,
                                         claims.user_data ? &*claims.user_data : nullptr));
  }
  if (!is_deny && usable && !internal::BindsWhatRuns(policy.platform, bound, policy.allow_debug)) {
    // The parser and ValidateReference refuse such rules; a reference stored before they did
    // must not make an allow rule that admits any image.
    usable = false;
    result.note = "binds no image: it must bind " + internal::WhatMustBeBound(policy.platform) +
                  internal::ZeroBindingNote(policy.platform, bound);
  }
  result.matched = usable && std::all_of(result.checks.begin(), result.checks.end(),
                                         [](const Check& c) { return c.matched; });
  return result;
}

bool IsAllZero(const Bytes& value) {
  return std::all_of(value.begin(), value.end(), [](uint8_t b) { return b == 0; });
}

RuleResult Preconditions(const Policy& policy, const Claims& claims, Time now) {
  RuleResult result{"preconditions", true, {}, {}};
  result.checks.push_back({"platform", std::string(PlatformName(policy.platform)),
                           std::string(PlatformName(claims.platform)),
                           policy.platform == claims.platform});
  auto age = duration_cast<seconds>(now - claims.timestamp);
  bool fresh = age <= policy.max_age && age >= -kAllowedClockSkew;
  result.checks.push_back({"age", "<= " + std::to_string(policy.max_age.count()) + "s",
                           std::to_string(age.count()) + "s", fresh});
  if (policy.nonce == NonceMode::kRequired) {
    bool present = claims.nonce && !claims.nonce->empty();
    result.checks.push_back({"nonce", "present", present ? "present" : "absent", present});
  }
  if (claims.platform == Platform::kNitroEnclave && !policy.allow_debug) {
    // Debug-mode enclaves report PCR0 as zeros and can be inspected by the host.
    auto pcr0 = claims.pcrs.find(0);
    bool debug = pcr0 == claims.pcrs.end() || IsAllZero(pcr0->second);
    result.checks.push_back({"debug_mode", "false", debug ? "true" : "false", !debug});
  }
  result.matched = std::all_of(result.checks.begin(), result.checks.end(),
                               [](const Check& c) { return c.matched; });
  return result;
}

std::string FailedChecks(const RuleResult& result) {
  std::string out;
  for (const Check& c : result.checks) {
    if (!c.matched) out += (out.empty() ? "" : ", ") + c.what;
  }
  return out;
}

}  // namespace

std::optional<std::string> InactiveReference(const std::string& name, const Policy& policy,
                                             const ReferenceMap& references) {
  auto it = references.find(name);
  if (it == references.end()) return "reference " + name + " is not registered";
  const Reference& ref = it->second;
  if (ref.status != ReferenceStatus::kActive) {
    return "reference " + name + " is " + std::string(ReferenceStatusName(ref.status));
  }
  if (ref.platform != policy.platform) {
    return "reference " + name + " is for " + std::string(PlatformName(ref.platform));
  }
  return std::nullopt;
}

Evaluation Evaluate(const Policy& policy, const Claims& claims, const ReferenceMap& references,
                    Time now) {
  Evaluation decision;
  decision.policy = policy.name;
  decision.explanation.push_back(Preconditions(policy, claims, now));
  if (!decision.explanation.back().matched) {
    decision.reason = "preconditions not met: " + FailedChecks(decision.explanation.back());
    return decision;
  }
  for (const Rule& rule : policy.deny) {
    decision.explanation.push_back(EvaluateRule(rule, true, policy, claims, references, now));
    const RuleResult& result = decision.explanation.back();
    if (result.matched && decision.matched_rule.empty()) {
      decision.matched_rule = rule.label;
      // "deny rule deny[0]: reference X is revoked: failing closed" says why it matched.
      decision.reason =
          "deny rule " + rule.label + (result.note.empty() ? " matched" : ": ") + result.note;
    }
  }
  if (!decision.matched_rule.empty()) return decision;
  for (const Rule& rule : policy.allow) {
    decision.explanation.push_back(EvaluateRule(rule, false, policy, claims, references, now));
    if (decision.explanation.back().matched && decision.matched_rule.empty()) {
      decision.matched_rule = rule.label;
    }
  }
  decision.allow = !decision.matched_rule.empty();
  decision.reason =
      decision.allow ? "allow rule " + decision.matched_rule + " matched" : "no allow rule matched";
  return decision;
}

Evaluation DecideRelease(std::string_view key_id, std::span<const Policy* const> policies,
                         const Claims& claims, const ReferenceMap& references, Time now) {
  Evaluation last;
  last.reason = "no policy governs key " + std::string(key_id);
  for (const Policy* policy : policies) {
    if (std::find(policy->keys.begin(), policy->keys.end(), key_id) == policy->keys.end()) {
      continue;
    }
    Evaluation decision = Evaluate(*policy, claims, references, now);
    if (decision.allow) return decision;
    last = std::move(decision);
  }
  return last;
}

}  // namespace kb::policy
