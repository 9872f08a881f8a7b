#include "cli/bootstrap.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <vector>

#include "cli/cli_io.h"
#include "policy/policy_parser.h"
#include "policy/reference_import.h"
#include "policy/xks_policy.h"
#include "storage/audited_change.h"

namespace kb::cli {
namespace {

storage::AuditRecord BootstrapAudit(std::string_view action, Time now, std::string reasons) {
  storage::AuditRecord row;
  row.time = now;
  row.actor = kBootstrapPrincipal;
  row.action = std::string(action);
  row.decision = "ok";
  row.reasons = std::move(reasons);
  return row;
}

// Why the file must not replace what is stored, or "" when it may.
std::string OwnedByTheApi(const std::vector<storage::PolicyVersion>& versions) {
  bool any_active = false;
  for (const auto& v : versions) {
    if (v.created_by != kBootstrapPrincipal) {
      return "version " + std::to_string(v.version) + " came from " + v.created_by +
             " through the admin API";
    }
    any_active |= v.active;
  }
  if (versions.empty()) return "";
  if (!any_active) return "it was deactivated through the admin API";
  // The directory always activates the version it adds: an older active one was rolled back to.
  if (!versions.back().active) return "an older version was made active through the admin API";
  return "";
}

Status LoadPolicy(const policy::Policy& parsed, const std::string& text, BootstrapStores& stores,
                  Time now, BootstrapReport& report) {
  auto versions = stores.policies.Versions(parsed.name);
  if (!versions) return std::move(versions).error();
  for (const auto& v : *versions) {
    if (v.active && v.source == text) return Ok();  // already the active version
  }
  if (std::string why = OwnedByTheApi(*versions); !why.empty()) {
    report.warnings.push_back("policy " + parsed.name + " skipped: " + why +
                              ", so the file no longer replaces it");
    return Ok();
  }
  auto done = storage::CommitWithAudit(
      stores.unit_of_work, stores.audit, BootstrapAudit("policy.put", now, ""),
      [&](storage::Tx& tx, storage::AuditRecord& row) -> Status {
        auto version = stores.policies.Put(tx, parsed.name, text, kBootstrapPrincipal, now);
        if (!version) return std::move(version).error();
        row.policy = parsed.name;
        row.policy_version = uint32_t(*version);
        row.reasons = "policy " + parsed.name + " version " + std::to_string(*version) +
                      " active, from bootstrap_dir";
        return stores.policies.Activate(tx, parsed.name, *version);
      });
  if (!done) return done;
  ++report.policies_activated;
  return Ok();
}

Status LoadReference(policy::Reference reference, BootstrapStores& stores, Time now,
                     BootstrapReport& report) {
  reference.created_at = now;
  reference.created_by = kBootstrapPrincipal;
  auto added = storage::CommitWithAudit(
      stores.unit_of_work, stores.audit,
      BootstrapAudit("reference.create", now, "reference " + reference.name),
      [&](storage::Tx& tx, storage::AuditRecord&) { return stores.references.Add(tx, reference); });
  if (added) {
    ++report.references_added;
  } else if (added.error().code != ErrorCode::kConflict) {
    return added;
  }
  return Ok();
}

// Policies have allow rules; references do not. Decides whose error to report.
bool LooksLikePolicy(const std::string& text) {
  return text.rfind("allow:", 0) == 0 || text.find("\nallow:") != std::string::npos;
}

}  // namespace

Result<std::vector<BootstrapFile>> ReadBootstrapDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      paths.push_back(entry.path());
    }
  }
  if (ec) return Error{ErrorCode::kInternal, dir + ": " + ec.message()};
  std::sort(paths.begin(), paths.end());
  std::vector<BootstrapFile> files;
  for (const auto& path : paths) {
    auto bytes = ReadFile(path.string(), policy::kMaxPolicySize);
    if (!bytes) return std::move(bytes).error();
    std::string text(bytes->begin(), bytes->end());
    auto fail = [&](const std::string& why) {
      return Error{ErrorCode::kMalformedRequest, path.string() + ": " + why};
    };
    if (policy::IsXksPolicySource(text)) {
      return fail(
          "an XKS policy: bootstrap_dir holds release policies and references; put XKS "
          "policies through the admin API (keybroker admin policies put)");
    }
    auto parsed = policy::ParsePolicy(text);
    if (parsed) {
      files.push_back({path.string(), std::move(text), std::move(*parsed)});
      continue;
    }
    if (LooksLikePolicy(text)) return fail(parsed.error().message);
    auto reference = policy::ImportReference(text, path.stem().string());
    if (!reference) {
      return fail("neither a valid policy nor a valid reference: " + reference.error().message);
    }
    files.push_back({path.string(), std::move(text), std::move(*reference)});
  }
  return files;
}

Result<BootstrapReport> ApplyBootstrapFiles(const std::vector<BootstrapFile>& files,
                                            BootstrapStores stores, Time now) {
  BootstrapReport report;
  for (const auto& file : files) {
    Status stored =
        std::holds_alternative<policy::Policy>(file.content)
            ? LoadPolicy(std::get<policy::Policy>(file.content), file.text, stores, now, report)
            : LoadReference(std::get<policy::Reference>(file.content), stores, now, report);
    if (!stored)
      return Error{ErrorCode::kMalformedRequest, file.path + ": " + stored.error().message};
  }
  return report;
}

Result<BootstrapReport> LoadBootstrapDir(const std::string& dir, BootstrapStores stores, Time now) {
  auto files = ReadBootstrapDir(dir);
  if (!files) return std::move(files).error();
  return ApplyBootstrapFiles(*files, stores, now);
}

}  // namespace kb::cli
