#pragma once

// Who is calling the admin API, and what they may do. Roles (ARCHITECTURE.md, admin API):
//   admin          principals and tokens
//   key-manager    keys: create, import, rotate, enable/disable
//   policy-author  references, policies, attestation keys: propose (and revoke)
//   approver       approve what an author proposed (the two-person rule)
//   auditor        read the audit log; read everything else; change nothing
//   kms-user       call the KMS-compatible API (api/kms/) with an access key; no admin route
//   xks-proxy      AWS KMS calling the XKS proxy API (api/xks/) for one external key store,
//                  with an access key; no admin route
// Every role may read references, policies, keys' metadata, attestation keys and pending items.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kb::broker {

enum class Role : uint32_t {
  kAdmin = 1u << 0,
  kKeyManager = 1u << 1,
  kPolicyAuthor = 1u << 2,
  kApprover = 1u << 3,
  kAuditor = 1u << 4,
  kKmsUser = 1u << 5,
  kXksProxy = 1u << 6,
};

// A set of roles, as a bit mask of Role values.
using RoleSet = uint32_t;

constexpr RoleSet Roles(std::initializer_list<Role> roles) {
  RoleSet set = 0;
  for (Role r : roles) set |= uint32_t(r);
  return set;
}
constexpr RoleSet kAllRoles =
    Roles({Role::kAdmin, Role::kKeyManager, Role::kPolicyAuthor, Role::kApprover, Role::kAuditor,
           Role::kKmsUser, Role::kXksProxy});
// The roles of machine callers: they have no admin route.
constexpr RoleSet kApiRoles = Roles({Role::kKmsUser, Role::kXksProxy});

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
std::vector<std::string> RoleNames(RoleSet roles);
// "admin, key-manager": the names of `roles`, for messages.
std::string JoinRoleNames(RoleSet roles);
// Every name must be a known role; returns the unknown one otherwise.
std::optional<RoleSet> ParseRoles(const std::vector<std::string>& names,
                                  std::string* unknown = nullptr);

struct Principal {
  std::string name;
  RoleSet roles = 0;
  bool HasAny(RoleSet wanted) const { return (roles & wanted) != 0; }
};

}  // namespace kb::broker
