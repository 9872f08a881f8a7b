#include "policy/internal/pcr_values.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"
#include "common/yaml_util.h"
#include "policy/reference.h"

namespace kb::policy::internal {
namespace {

std::optional<uint32_t> ParseIndex(const std::string& text) {
  if (text.empty() || text.size() > 2) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + uint32_t(c - '0');
  }
  if (value > 31 || (text.size() == 2 && text[0] == '0')) return std::nullopt;
  return value;
}

}  // namespace

Status CheckPcrIndex(Platform platform, uint32_t index) {
  uint32_t count = PcrCount(platform);
  if (index < count) return Ok();
  return Error{ErrorCode::kMalformedRequest, "PCR" + std::to_string(index) + " does not exist on " +
                                                 std::string(PlatformName(platform)) +
                                                 ", which has PCR0..PCR" +
                                                 std::to_string(count - 1)};
}

Result<Bytes> ParsePcrHex(const std::string& hex, Platform platform, uint32_t index) {
  auto value = HexDecode(hex);
  std::string pcr = "PCR" + std::to_string(index);
  if (!value) return Error{ErrorCode::kMalformedRequest, pcr + " is not hex"};
  if (!IsValidPcrSize(platform, value->size())) {
    return Error{ErrorCode::kMalformedRequest,
                 pcr + " has " + std::to_string(value->size()) + " bytes, which is not a " +
                     std::string(PlatformName(platform)) + " digest size"};
  }
  return std::move(*value);
}

Result<std::map<uint32_t, Bytes>> ParsePcrMapYaml(const YAML::Node& node, Platform platform) {
  if (!node.IsMap() || node.size() == 0) {
    return YamlError(node, "pcrs must be a non-empty map of index: hex");
  }
  std::map<uint32_t, Bytes> pcrs;
  for (const auto& entry : node) {
    auto key = YamlScalar(entry.first, "a PCR index");
    if (!key) return std::move(key).error();
    auto index = ParseIndex(*key);
    if (!index) {
      return YamlError(entry.first, "PCR index must be a number from 0 to " +
                                        std::to_string(PcrCount(platform) - 1) + ", not '" + *key +
                                        "'");
    }
    if (auto s = CheckPcrIndex(platform, *index); !s) {
      return YamlError(entry.first, s.error().message);
    }
    auto hex = YamlScalar(entry.second, "a PCR value");
    if (!hex) return std::move(hex).error();
    auto value = ParsePcrHex(*hex, platform, *index);
    if (!value) return YamlError(entry.second, value.error().message);
    if (!pcrs.emplace(*index, std::move(*value)).second) {
      return YamlError(entry.first, "PCR" + *key + " is given twice");
    }
  }
  return pcrs;
}

namespace {

std::pair<uint32_t, uint32_t> RequiredPair(Platform platform) {
  return platform == Platform::kNitroEnclave ? std::pair{0u, 8u} : std::pair{7u, 12u};
}

bool NonZero(const std::map<uint32_t, Bytes>& pcrs, uint32_t index) {
  auto it = pcrs.find(index);
  return it != pcrs.end() &&
         std::any_of(it->second.begin(), it->second.end(), [](uint8_t b) { return b != 0; });
}

}  // namespace

bool BindsWhatRuns(Platform platform, const std::map<uint32_t, Bytes>& pcrs, bool allow_debug) {
  if (platform == Platform::kTpm2Quote) return true;
  auto [a, b] = RequiredPair(platform);
  bool debug_pcr0 = platform == Platform::kNitroEnclave && allow_debug && pcrs.count(0);
  return debug_pcr0 || NonZero(pcrs, a) || NonZero(pcrs, b);
}

std::string WhatMustBeBound(Platform platform) {
  if (platform == Platform::kNitroEnclave) {
    return "PCR0 (the enclave image) or PCR8 (its signing certificate)";
  }
  return "PCR7 or PCR12";
}

std::string ZeroBindingNote(Platform platform, const std::map<uint32_t, Bytes>& pcrs) {
  auto [a, b] = RequiredPair(platform);
  if (!pcrs.count(a) && !pcrs.count(b)) return "";
  return "; all zeros bind nothing: it is what an unmeasured register holds";
}

}  // namespace kb::policy::internal
