#pragma once

// Helpers for reading YAML documents strictly with yaml-cpp: errors name the line, and unknown
// keys are errors. Callers still catch YAML::Exception once, at their boundary.

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "common/result.h"

namespace kb {

// kMalformedRequest with "line N: message", N being the node's 1-based line.
Error YamlError(const YAML::Node& node, const std::string& message);

// The node must be a map whose keys are all in `allowed`.
Status CheckYamlKeys(const YAML::Node& map, const std::set<std::string>& allowed);

// A scalar's text, or an error naming `what` and the line.
Result<std::string> YamlScalar(const YAML::Node& node, const std::string& what);

}  // namespace kb
