#include "cli/bootstrap.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "cli/cli_io.h"
#include "policy/policy_parser.h"
#include "policy/reference_import.h"

namespace kb::cli {
namespace {

Status LoadPolicy(const policy::Policy& parsed, const std::string& text,
                  storage::PolicyStore& policies, Time now, BootstrapReport& report) {
  auto versions = policies.Versions(parsed.name);
  if (!versions) return std::move(versions).error();
  for (const auto& v : *versions) {
    if (v.active && v.source == text) return Ok();  // already the active version
  }
  auto version = policies.Put(parsed.name, text, "bootstrap", now);
  if (!version) return std::move(version).error();
  if (auto s = policies.Activate(parsed.name, *version); !s) return s;
  ++report.policies_activated;
  return Ok();
}

// Policies have allow rules; references do not. Decides whose error to report.
bool LooksLikePolicy(const std::string& text) {
  return text.rfind("allow:", 0) == 0 || text.find("\nallow:") != std::string::npos;
}

}  // namespace

Result<BootstrapReport> LoadBootstrapDir(const std::string& dir, storage::PolicyStore& policies,
                                         storage::ReferenceStore& references, Time now) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      files.push_back(entry.path());
    }
  }
  if (ec) return Error{ErrorCode::kInternal, dir + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  BootstrapReport report;
  for (const auto& path : files) {
    auto bytes = ReadFile(path.string(), policy::kMaxPolicySize);
    if (!bytes) return std::move(bytes).error();
    std::string text(bytes->begin(), bytes->end());
    auto fail = [&](const std::string& why) {
      return Error{ErrorCode::kMalformedRequest, path.string() + ": " + why};
    };
    auto parsed = policy::ParsePolicy(text);
    if (parsed) {
      if (auto s = LoadPolicy(*parsed, text, policies, now, report); !s) {
        return fail(s.error().message);
      }
      continue;
    }
    if (LooksLikePolicy(text)) return fail(parsed.error().message);
    auto reference = policy::ImportReference(text, path.stem().string());
    if (!reference) {
      return fail("neither a valid policy nor a valid reference: " + reference.error().message);
    }
    reference->created_at = now;
    reference->created_by = "bootstrap";
    auto added = references.Add(*reference);
    if (added) {
      ++report.references_added;
    } else if (added.error().code != ErrorCode::kConflict) {
      return fail(added.error().message);
    }
  }
  return report;
}

}  // namespace kb::cli
