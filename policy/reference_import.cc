#include "policy/reference_import.h"

#include <boost/json.hpp>
#include <cctype>

#include "common/yaml_util.h"
#include "policy/internal/json_unique_keys.h"
#include "policy/internal/pcr_values.h"

namespace kb::policy {
namespace {

namespace json = boost::json;

constexpr size_t kMaxReferenceText = 64 * 1024;

Error Invalid(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

bool StartsWithJsonObject(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
  }
  return false;
}

bool IsSha384(std::string_view algorithm) {
  // nitro-cli writes "Sha384 { ... }", nitro-tpm-pcr-compute "SHA384".
  if (algorithm.size() < 6) return false;
  std::string head(algorithm.substr(0, 6));
  for (char& c : head) c = char(std::tolower(static_cast<unsigned char>(c)));
  return head == "sha384" && (algorithm.size() == 6 || algorithm[6] == ' ');
}

Result<Reference> ReadYaml(const YAML::Node& root) {
  if (auto s = CheckYamlKeys(root, {"name", "platform", "pcrs", "source"}); !s) {
    return std::move(s).error();
  }
  for (const char* required : {"name", "platform", "pcrs"}) {
    if (!root[required]) return YamlError(root, std::string("missing '") + required + "'");
  }
  Reference r;
  auto name = YamlScalar(root["name"], "name");
  auto platform = YamlScalar(root["platform"], "platform");
  if (!name) return std::move(name).error();
  if (!platform) return std::move(platform).error();
  auto parsed_platform = ParsePlatform(*platform);
  if (!parsed_platform) return YamlError(root["platform"], "unknown platform");
  r.name = *name;
  r.platform = *parsed_platform;
  auto pcrs = internal::ParsePcrMapYaml(root["pcrs"], r.platform);
  if (!pcrs) return std::move(pcrs).error();
  r.pcrs = std::move(*pcrs);
  if (root["source"]) {
    auto source = YamlScalar(root["source"], "source");
    if (!source) return std::move(source).error();
    r.source = *source;
  }
  if (auto s = ValidateReference(r); !s) return YamlError(root, s.error().message);
  return r;
}

}  // namespace

Result<Reference> ParseReferenceYaml(std::string_view yaml) {
  if (yaml.size() > kMaxReferenceText) return Invalid("reference is larger than 64 KiB");
  try {
    auto root = LoadOneYamlDocument(std::string(yaml));
    if (!root) return std::move(root).error();
    return ReadYaml(*root);
  } catch (const YAML::Exception& e) {
    return Invalid("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Reference> ParseMeasurementsJson(std::string_view text, const std::string& name,
                                        const std::string& source) {
  if (text.size() > kMaxReferenceText) return Invalid("reference is larger than 64 KiB");
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Invalid("measurements are not a JSON object");
  // Two "PCR0" members: boost::json keeps the last, a reviewer may read the first.
  if (auto s = internal::CheckUniqueJsonKeys(text); !s) return std::move(s).error();
  const json::value* m = doc.as_object().if_contains("Measurements");
  if (m == nullptr || !m->is_object()) return Invalid("no \"Measurements\" object");
  const json::object& measurements = m->as_object();
  const json::value* algorithm = measurements.if_contains("HashAlgorithm");
  if (algorithm == nullptr || !algorithm->is_string() || !IsSha384(algorithm->as_string())) {
    return Invalid("HashAlgorithm must be SHA384");
  }
  Reference r;
  r.name = name;
  r.source = source;
  r.platform = measurements.contains("PCR0") ? Platform::kNitroEnclave : Platform::kNitroTpm;
  for (const auto& [key, value] : measurements) {
    if (key == "HashAlgorithm") continue;
    std::string_view k = key;
    if (k.size() < 4 || k.size() > 5 || k.substr(0, 3) != "PCR") {
      return Invalid("unexpected member \"" + std::string(k) + "\"");
    }
    uint32_t index = 0;
    for (char c : k.substr(3)) {
      if (c < '0' || c > '9') return Invalid("unexpected member \"" + std::string(k) + "\"");
      index = index * 10 + uint32_t(c - '0');
    }
    // "PCR00" would be a second spelling of PCR0, and the last one would win.
    if (k.size() == 5 && k[3] == '0') {
      return Invalid("unexpected member \"" + std::string(k) + "\": write PCR" +
                     std::to_string(index));
    }
    if (!value.is_string()) return Invalid(std::string(k) + " must be a hex string");
    if (auto s = internal::CheckPcrIndex(r.platform, index); !s) return std::move(s).error();
    auto pcr = internal::ParsePcrHex(std::string(value.as_string()), r.platform, index);
    if (!pcr) return std::move(pcr).error();
    if (!r.pcrs.emplace(index, std::move(*pcr)).second) {
      return Invalid("PCR" + std::to_string(index) + " is given twice");
    }
  }
  if (auto s = ValidateReference(r); !s) return std::move(s).error();
  return r;
}

Result<Reference> ImportReference(std::string_view text, const std::string& json_name) {
  if (StartsWithJsonObject(text)) return ParseMeasurementsJson(text, json_name, "");
  return ParseReferenceYaml(text);
}

}  // namespace kb::policy
