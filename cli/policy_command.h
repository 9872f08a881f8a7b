#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker policy check FILE...
//   Lints policies and references (YAML with a top-level `pcrs`, or the AWS tools' JSON):
//   {"valid": bool, "files": [{"file", "kind": "policy"|"reference", "valid", "name"?,
//   "keys"? (policy), "platform"? (reference), "warnings"? (policy), "error"?}]};
//   exit 0 when all are valid, 1 otherwise.
// keybroker policy eval --policy FILE --evidence FILE [--reference FILE]... [--at RFC3339]
//                       [--trust-root PEM]...
//   Verifies the evidence and evaluates the policy offline; prints the decision with its
//   explanation; exit 0 allow, 1 deny or rejected evidence.
int RunPolicy(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
