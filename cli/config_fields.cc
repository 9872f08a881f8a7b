#include "cli/config_fields.h"

#include "common/duration.h"
#include "common/edit_distance.h"

namespace kb::cli {
namespace {

Error AtLine(const YAML::Node& node, const std::string& message) {
  return Error{ErrorCode::kMalformedRequest,
               "line " + std::to_string(node.Mark().line + 1) + ": " + message};
}

std::string JoinKeys(const std::set<std::string>& keys) {
  std::string text;
  for (const auto& key : keys) text += (text.empty() ? "" : ", ") + key;
  return text;
}

}  // namespace

std::string DescribeYamlValue(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

Status ConfigSection::CheckKeys(const std::set<std::string>& allowed) const {
  if (!node_.IsMap()) {
    std::string what = path_.empty() ? "the configuration" : path_;
    return AtLine(node_, what + ": expected a mapping of settings (key: value), got " +
                             DescribeYamlValue(node_));
  }
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar()) return AtLine(entry.first, "keys must be plain words");
    const std::string& key = entry.first.Scalar();
    if (allowed.count(key)) continue;
    std::string where = path_.empty() ? "" : " under " + path_;
    auto nearest = NearestWord(key, allowed);
    std::string hint = nearest ? " (did you mean " + *nearest + "?)"
                               : "; the keys allowed here are " + JoinKeys(allowed);
    return AtLine(entry.first, "unknown key '" + key + "'" + where + hint);
  }
  return Ok();
}

std::string ConfigSection::Name(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

Error ConfigSection::ErrorAt(const char* key, const std::string& message) const {
  return AtLine(node_[key], Name(key) + ": " + message);
}

Error ConfigSection::Expected(const char* key, const std::string& what) const {
  return ErrorAt(key, "expected " + what + ", got " + DescribeYamlValue(node_[key]));
}

Status ConfigSection::Int(const char* key, int& out) const {
  const YAML::Node value = node_[key];
  if (!value) return Ok();
  int parsed = 0;
  if (!value.IsScalar() || !YAML::convert<int>::decode(value, parsed)) {
    return Expected(key, "an integer");
  }
  out = parsed;
  return Ok();
}

Status ConfigSection::Number(const char* key, double& out) const {
  const YAML::Node value = node_[key];
  if (!value) return Ok();
  double parsed = 0;
  if (!value.IsScalar() || !YAML::convert<double>::decode(value, parsed)) {
    return Expected(key, "a number");
  }
  out = parsed;
  return Ok();
}

Status ConfigSection::String(const char* key, std::string& out) const {
  const YAML::Node value = node_[key];
  if (!value) return Ok();
  if (!value.IsScalar()) return Expected(key, "a single value");
  out = value.Scalar();
  return Ok();
}

Status ConfigSection::StringList(const char* key, std::vector<std::string>& out) const {
  const YAML::Node value = node_[key];
  if (!value) return Ok();
  if (!value.IsSequence()) return Expected(key, "a list of paths, like [/etc/a.pem]");
  std::vector<std::string> items;
  for (const auto& item : value) {
    if (!item.IsScalar()) {
      return AtLine(item, Name(key) + ": expected a path, got " + DescribeYamlValue(item));
    }
    items.push_back(item.Scalar());
  }
  out = std::move(items);
  return Ok();
}

Status ConfigSection::Seconds(const char* key, std::chrono::seconds& out) const {
  const YAML::Node value = node_[key];
  if (!value) return Ok();
  std::optional<std::chrono::seconds> parsed;
  if (value.IsScalar()) parsed = ParseDuration(value.Scalar());
  if (!parsed) return Expected(key, "a duration like 300s, 5m or 1h");
  out = *parsed;
  return Ok();
}

std::optional<ConfigSection> ConfigSection::Section(const char* key) const {
  const YAML::Node value = node_[key];
  if (!value) return std::nullopt;
  return ConfigSection(value, Name(key));
}

Status CheckNoTabIndentation(const std::string& yaml_text) {
  int line = 1;
  bool at_line_start = true;
  bool tab_in_indent = false;
  for (char c : yaml_text) {
    if (c == '\n') {
      ++line;
      at_line_start = true;
      tab_in_indent = false;
      continue;
    }
    if (!at_line_start) continue;
    if (c == '\t') {
      tab_in_indent = true;
    } else if (c != ' ' && c != '\r') {
      // The first visible character (a comment's too: yaml-cpp refuses a tab before it).
      if (tab_in_indent) {
        return Error{ErrorCode::kMalformedRequest,
                     "line " + std::to_string(line) +
                         ": YAML does not allow tabs for indentation; use spaces"};
      }
      at_line_start = false;
    }
  }
  return Ok();
}

}  // namespace kb::cli
