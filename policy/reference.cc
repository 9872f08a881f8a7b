#include "policy/reference.h"

#include "policy/internal/pcr_values.h"

namespace kb::policy {

std::string_view ReferenceStatusName(ReferenceStatus status) {
  switch (status) {
    case ReferenceStatus::kPending:
      return "pending";
    case ReferenceStatus::kActive:
      return "active";
    case ReferenceStatus::kRevoked:
      return "revoked";
  }
  return "revoked";
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '_' && c != '@' && c != ':' && c != '/' && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsValidPcrSize(Platform platform, size_t size) {
  if (platform == Platform::kTpm2Quote) return size == 32 || size == 48;
  return size == 48;
}

Status ValidateReference(const Reference& r) {
  auto invalid = [](std::string message) {
    return Error{ErrorCode::kMalformedRequest, std::move(message)};
  };
  if (!IsValidName(r.name)) return invalid("reference name is invalid: '" + r.name + "'");
  if (r.pcrs.empty() || r.pcrs.size() > 32) return invalid("a reference needs 1..32 PCRs");
  for (const auto& [index, value] : r.pcrs) {
    if (auto s = internal::CheckPcrIndex(r.platform, index); !s) return s;
    if (!IsValidPcrSize(r.platform, value.size())) {
      return invalid("PCR" + std::to_string(index) + " has the wrong length for " +
                     std::string(PlatformName(r.platform)));
    }
  }
  if (!internal::BindsWhatRuns(r.platform, r.pcrs)) {
    std::string why = r.platform == Platform::kNitroTpm ? " (GHSA-xrv8-2pf5-f3q7)"
                                                        : ": PCR3 and PCR4 alone admit any image";
    return invalid("a " + std::string(PlatformName(r.platform)) + " reference must bind " +
                   internal::WhatMustBeBound(r.platform) + why +
                   internal::ZeroBindingNote(r.platform, r.pcrs));
  }
  if (r.source.size() > 1024) return invalid("source is longer than 1024 characters");
  return Ok();
}

}  // namespace kb::policy
