#pragma once

// A compiled release policy (the YAML language of docs/policy.md, parsed and validated).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/time.h"
#include "policy/platform.h"

namespace kb::policy {

enum class NonceMode { kRequired, kOptional };

// A rule holds when every condition it states holds (a conjunction). Allow rules always bind
// measurements (a reference or inline PCRs); deny rules may match on anything.
struct Rule {
  std::string label;  // "allow[0]", "deny[1]": for explanations
  int line = 0;       // of the rule in the policy source
  std::optional<std::string> reference;
  std::map<uint32_t, Bytes> pcrs;
  std::optional<Time> until;  // the rule holds only before this instant
  std::optional<std::string> module_id;
  std::optional<Bytes> user_data;
};

struct Policy {
  std::string name;
  std::vector<std::string> keys;
  Platform platform = Platform::kNitroEnclave;
  std::chrono::seconds max_age{300};
  NonceMode nonce = NonceMode::kRequired;
  bool allow_debug = false;
  int allow_debug_line = 0;  // where allow_debug is set, for warnings
  // The KMS API returns plaintext of this policy's keys only to an attested Recipient.
  bool require_attestation = true;
  std::vector<Rule> allow;
  std::vector<Rule> deny;
};

}  // namespace kb::policy
