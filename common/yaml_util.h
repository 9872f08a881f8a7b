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

// Every mapping in the tree, at any depth, has distinct scalar keys. yaml-cpp keeps both entries of
// a repeated key and `node["key"]` returns the first, so without this check a reader could be shown
// one value while another applies. The error names the repeated key's line and column and the
// line of its first occurrence. The walk visits at most `max_nodes` nodes (aliases are walked
// again each time they appear), so a document of nested aliases cannot make it run for long.
Status CheckUniqueYamlKeys(const YAML::Node& root, size_t max_nodes = 1'000'000);

// Parses `text` as exactly one YAML document whose mappings have distinct keys
// (CheckUniqueYamlKeys). yaml-cpp's YAML::Load reads the first document and silently ignores
// any after a `---` or `...`, so a reviewer could be shown rules in a second document that never
// apply: a second document is an error naming its line. Throws YAML::Exception on a syntax error,
// for the caller's one catch.
Result<YAML::Node> LoadOneYamlDocument(const std::string& text);

// A scalar's text, or an error naming `what` and the line.
Result<std::string> YamlScalar(const YAML::Node& node, const std::string& what);

}  // namespace kb
