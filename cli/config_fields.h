#pragma once

// Typed reading of one mapping of the configuration file. Every value is checked for its type
// before it is used, so that `workers: "two"` says "line 3: workers: expected an integer, got
// 'two'" instead of yaml-cpp's "bad conversion"; an unknown key names the nearest valid one
// ("did you mean log_level?"). Keys are named by their dotted path from the root
// (limits.max_connections), as config.example.yaml documents them.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace kb::cli {

class ConfigSection {
 public:
  // `path` is the section's dotted path, "" for the document's root.
  ConfigSection(YAML::Node node, std::string path)
      : node_(std::move(node)), path_(std::move(path)) {}

  // The section is a mapping whose keys are all in `allowed`; an unknown key suggests the
  // nearest allowed one, or lists them all when none is near.
  Status CheckKeys(const std::set<std::string>& allowed) const;

  // Each reader leaves `out` as it is when `key` is absent.
  Status Int(const char* key, int& out) const;
  Status Number(const char* key, double& out) const;
  Status String(const char* key, std::string& out) const;
  Status StringList(const char* key, std::vector<std::string>& out) const;
  Status Seconds(const char* key, std::chrono::seconds& out) const;  // 300s, 5m, 1h

  // The nested mapping at `key`, or nullopt when absent.
  std::optional<ConfigSection> Section(const char* key) const;

  // kMalformedRequest "line N: <path.key>: <message>" at `key`'s value.
  Error ErrorAt(const char* key, const std::string& message) const;

  const std::string& path() const { return path_; }

 private:
  std::string Name(const std::string& key) const;
  // "expected <what>, got '<text>'" at `key`'s value.
  Error Expected(const char* key, const std::string& what) const;

  YAML::Node node_;
  std::string path_;
};

// "'two'", "a list", "a mapping" or "nothing": what a node holds, for messages.
std::string DescribeYamlValue(const YAML::Node& node);

// "line N: YAML does not allow tabs for indentation; use spaces" for the first line indented
// with a tab, else Ok. yaml-cpp's own message for it ("illegal tab when looking for
// indentation", or an unrelated one further down) does not say what to change.
Status CheckNoTabIndentation(const std::string& yaml_text);

}  // namespace kb::cli
