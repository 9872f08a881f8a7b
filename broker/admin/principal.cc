#include "broker/admin/principal.h"

#include <array>
#include <utility>

namespace kb::broker {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 7> kNames = {{
    {Role::kAdmin, "admin"},
    {Role::kKeyManager, "key-manager"},
    {Role::kPolicyAuthor, "policy-author"},
    {Role::kApprover, "approver"},
    {Role::kAuditor, "auditor"},
    {Role::kKmsUser, "kms-user"},
    {Role::kXksProxy, "xks-proxy"},
}};

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [r, n] : kNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

std::vector<std::string> RoleNames(RoleSet roles) {
  std::vector<std::string> out;
  for (const auto& [r, name] : kNames) {
    if (roles & uint32_t(r)) out.emplace_back(name);
  }
  return out;
}

std::string JoinRoleNames(RoleSet roles) {
  std::string out;
  for (const std::string& name : RoleNames(roles)) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::optional<RoleSet> ParseRoles(const std::vector<std::string>& names, std::string* unknown) {
  RoleSet set = 0;
  for (const std::string& name : names) {
    auto role = ParseRole(name);
    if (!role) {
      if (unknown != nullptr) *unknown = name;
      return std::nullopt;
    }
    set |= uint32_t(*role);
  }
  return set;
}

}  // namespace kb::broker
