#include "cli/policy_command.h"

#include <boost/json/array.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_io.h"
#include "cli/evidence_input.h"
#include "cli/help.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/yaml_util.h"
#include "policy/evaluation_json.h"
#include "policy/evaluator.h"
#include "policy/platform.h"
#include "policy/policy_parser.h"
#include "policy/policy_warnings.h"
#include "policy/reference_import.h"
#include "policy/xks_policy.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

// --reference files: our YAML, or AWS tool JSON named after the file's stem.
std::optional<int> LoadReferences(const po::variables_map& vm, policy::ReferenceMap& out) {
  if (!vm.count("reference")) return std::nullopt;
  for (const std::string& path : vm["reference"].as<std::vector<std::string>>()) {
    auto text = ReadTextFile(path, 64 * 1024);
    if (!text) return UsageError(text.error().message);
    std::string stem = std::filesystem::path(path).stem().string();
    auto reference = policy::ImportReference(*text, stem);
    if (!reference) return UsageError(path + ": " + reference.error().message);
    std::string name = reference->name;
    out.insert_or_assign(name, std::move(*reference));
  }
  return std::nullopt;
}

// A reference names its measurements at the top (`pcrs:` in our YAML, "Measurements" in the AWS
// tools' JSON, which is also YAML); a policy only inside its rules, and always has `keys:`.
// Anything else, unparsable text included, is linted as a policy, whose parser names the line.
bool IsReferenceText(const std::string& text) {
  try {
    auto root = LoadOneYamlDocument(text);
    return root && root->IsMap() && !(*root)["keys"] &&
           ((*root)["pcrs"] || (*root)["Measurements"]);
  } catch (const YAML::Exception&) {
    return false;
  }
}

// A reference's entry: {"file", "kind": "reference", "valid", "name", "platform"} or "error".
// JSON names no reference, so the file's stem does, as with --reference.
boost::json::object CheckReferenceFile(const std::string& path, const std::string& text,
                                       bool& all_valid) {
  auto parsed = policy::ImportReference(text, std::filesystem::path(path).stem().string());
  boost::json::object entry{{"file", path}, {"kind", "reference"}, {"valid", bool(parsed)}};
  if (!parsed) {
    entry["error"] = parsed.error().message;
    all_valid = false;
    return entry;
  }
  entry["name"] = parsed->name;
  entry["platform"] = policy::PlatformName(parsed->platform);
  return entry;
}

boost::json::object CheckXksPolicyFile(const std::string& path, const std::string& text,
                                       bool& all_valid) {
  auto parsed = policy::ParseXksPolicy(text);
  boost::json::object entry{{"file", path}, {"kind", "xks-policy"}, {"valid", bool(parsed)}};
  if (!parsed) {
    entry["error"] = parsed.error().message;
    all_valid = false;
    return entry;
  }
  entry["name"] = parsed->name;
  entry["keys"] = boost::json::array(parsed->keys.begin(), parsed->keys.end());
  entry["keystores"] = boost::json::array(parsed->keystores.begin(), parsed->keystores.end());
  return entry;
}

// One file's entry in the answer of `policy check`. Warnings also go to stderr, one line each.
boost::json::object CheckFile(const std::string& path, const Result<std::string>& text,
                              const policy::ReferenceMap* references, bool& all_valid) {
  if (text && IsReferenceText(*text)) return CheckReferenceFile(path, *text, all_valid);
  if (text && policy::IsXksPolicySource(*text)) return CheckXksPolicyFile(path, *text, all_valid);
  auto parsed = text ? policy::ParsePolicy(*text) : Result<policy::Policy>(text.error());
  boost::json::object entry{{"file", path}, {"kind", "policy"}, {"valid", bool(parsed)}};
  if (!parsed) {
    entry["error"] = parsed.error().message;
    all_valid = false;
    return entry;
  }
  entry["name"] = parsed->name;
  entry["keys"] = boost::json::array(parsed->keys.begin(), parsed->keys.end());
  boost::json::array warnings;
  for (const std::string& warning : policy::PolicyWarnings(*parsed, references)) {
    std::cerr << "keybroker: warning: " << path << ": " << warning << "\n";
    warnings.push_back(boost::json::string(warning));
  }
  entry["warnings"] = std::move(warnings);
  return entry;
}

// Lints policies and references, each file as what it is. With --reference files, deny rules
// are checked against them (the references are known); without, only what the policy alone
// shows is. References among the checked files are only linted: they need not be registered.
int RunCheck(int argc, const char* const* argv) {
  po::options_description options("policy check options");
  options.add_options()("file", po::value<std::vector<std::string>>()->required(),
                        "policy or reference")(
      "reference", po::value<std::vector<std::string>>(),
      "the registered references (YAML/JSON), to warn about deny rules naming others");
  po::positional_options_description positional;
  positional.add("file", -1);
  auto parsed_options = ParseOptions(
      argc, argv, options, "keybroker policy check [--reference FILE]... FILE...", &positional);
  if (!parsed_options) return parsed_options.exit_code();
  const po::variables_map& vm = *parsed_options;
  policy::ReferenceMap references;
  if (auto exit = LoadReferences(vm, references)) return *exit;
  const policy::ReferenceMap* known = vm.count("reference") ? &references : nullptr;
  boost::json::array files;
  bool all_valid = true;
  for (const std::string& path : vm["file"].as<std::vector<std::string>>()) {
    auto text = ReadTextFile(path, policy::kMaxPolicySize + 1);
    if (!text && text.error().code == ErrorCode::kInternal) return UsageError(text.error().message);
    files.push_back(CheckFile(path, text, known, all_valid));
  }
  PrintJson(boost::json::object{{"valid", all_valid}, {"files", std::move(files)}});
  return all_valid ? kExitOk : kExitRejected;
}

int RunEval(int argc, const char* const* argv, const Clock& clock) {
  po::options_description options("policy eval options");
  options.add_options()("policy", po::value<std::string>()->required(), "policy (YAML)")(
      "reference", po::value<std::vector<std::string>>(), "reference measurements (YAML/JSON)");
  AddEvidenceOptions(options);
  auto vm = ParseOptions(argc, argv, options,
                         "keybroker policy eval --policy FILE --evidence FILE "
                         "[--reference FILE]... [--at RFC3339] [--trust-root PEM]...");
  if (!vm) return vm.exit_code();
  auto text = ReadTextFile((*vm)["policy"].as<std::string>(), policy::kMaxPolicySize + 1);
  if (!text) return UsageError(text.error().message);
  auto parsed = policy::ParsePolicy(*text);
  if (!parsed) return UsageError((*vm)["policy"].as<std::string>() + ": " + parsed.error().message);
  policy::ReferenceMap references;
  if (auto exit = LoadReferences(*vm, references)) return *exit;

  std::optional<broker::VerifiedEvidence> verified;
  Time at;
  if (int exit = VerifyEvidenceFromOptions(*vm, clock.Now(), &verified, &at); exit != kExitOk) {
    return exit;
  }
  policy::Evaluation decision = policy::Evaluate(*parsed, verified->claims(), references, at);
  PrintJson(policy::EvaluationToJson(decision));
  return decision.allow ? kExitOk : kExitRejected;
}

}  // namespace

constexpr Verb kVerbs[] = {
    {"check", "lint release policies (with --reference, against the registered references)"},
    {"eval", "evaluate a policy against an attestation document, offline, with an explanation"},
};

int RunPolicy(int argc, const char* const* argv, const Clock& clock) {
  std::string verb = argc >= 2 ? argv[1] : "";
  if (verb == "check") return RunCheck(argc - 1, argv + 1);
  if (verb == "eval") return RunEval(argc - 1, argv + 1, clock);
  return VerbHelpOrError("keybroker policy", kVerbs, verb);
}

}  // namespace kb::cli
