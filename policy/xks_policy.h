#pragma once

// XKS policies: the secondary authorization of the XKS proxy API (docs/xks.md). An XKS policy
// names the external key stores (principals of role xks-proxy) and the kms keys it governs, and
// allows a call only when a rule matches the requestMetadata that AWS KMS sends with it (who
// called KMS, which KMS operation, through which service or VPC endpoint, for which KMS key, and
// the measurements of a Nitro Recipient that KMS forwards). Stored, versioned, approved and
// activated exactly as release policies are, in the same store; `kind: xks` tells them apart.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::policy {

// Strings a requestMetadata field must equal; an entry ending in '*' matches by prefix
// ("arn:aws:iam::111122223333:*").
using XksPatterns = std::vector<std::string>;

// A rule holds when every condition it states holds; a condition on a field the request does not
// carry does not hold. Every rule states at least one condition.
struct XksRule {
  std::string label;  // "allow[0]", "deny[1]": for explanations
  int line = 0;
  std::optional<XksPatterns> aws_principal_arn;
  std::optional<XksPatterns> kms_operation;
  std::optional<XksPatterns> kms_via_service;
  std::optional<XksPatterns> aws_source_vpc;
  std::optional<XksPatterns> aws_source_vpce;
  std::optional<XksPatterns> kms_key_arn;
  // recipient: kmsRecipientAttestationImageSha384 and kmsRecipientAttestationPCR<N>, as hex.
  std::optional<Bytes> image_sha384;
  std::map<uint32_t, Bytes> recipient_pcrs;
};

struct XksPolicy {
  std::string name;
  std::vector<std::string> keystores;  // principals of role xks-proxy
  std::vector<std::string> keys;       // kms keys
  std::vector<XksRule> allow;
  std::vector<XksRule> deny;
};

// Whether `yaml` declares `kind: xks` at its top level (without validating anything else); a
// source that is not YAML is no XKS policy.
bool IsXksPolicySource(std::string_view yaml);

// A validated XKS policy, or kMalformedRequest with "line N: what is wrong". Refused: unknown or
// repeated fields, no allow rule, a rule without a condition, an empty pattern list, an allow
// rule that binds no AWS account (aws_principal_arn or kms_key_arn, every entry an ARN with a
// 12-digit account before any '*'), a recipient condition (allow) that binds no image
// (image_sha384, PCR0 or PCR8).
Result<XksPolicy> ParseXksPolicy(std::string_view yaml);

}  // namespace kb::policy
