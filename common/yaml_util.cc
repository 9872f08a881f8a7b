#include "common/yaml_util.h"

namespace kb {

Error YamlError(const YAML::Node& node, const std::string& message) {
  return Error{ErrorCode::kMalformedRequest,
               "line " + std::to_string(node.Mark().line + 1) + ": " + message};
}

Status CheckYamlKeys(const YAML::Node& map, const std::set<std::string>& allowed) {
  if (!map.IsMap()) return YamlError(map, "expected a mapping");
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) return YamlError(entry.first, "keys must be plain words");
    auto key = entry.first.Scalar();
    if (!allowed.count(key)) return YamlError(entry.first, "unknown key '" + key + "'");
  }
  return Ok();
}

Result<std::string> YamlScalar(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) return YamlError(node, what + " must be a single value");
  return node.Scalar();
}

}  // namespace kb
