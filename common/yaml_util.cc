#include "common/yaml_util.h"

#include <yaml-cpp/eventhandler.h>

#include <map>
#include <sstream>
#include <utility>
#include <vector>

namespace kb {
namespace {

// Remembers where the last document started and ignores everything else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark last;
};

std::string Position(const YAML::Mark& mark) {
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// The keys of one mapping are distinct.
Status CheckMapKeys(const YAML::Node& map) {
  std::map<std::string, int> first_line;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) continue;
    auto [it, inserted] = first_line.emplace(entry.first.Scalar(), entry.first.Mark().line + 1);
    if (!inserted) {
      return Error{ErrorCode::kMalformedRequest,
                   Position(entry.first.Mark()) + ": duplicate key '" + it->first +
                       "' (first given on line " + std::to_string(it->second) + ")"};
    }
  }
  return Ok();
}

}  // namespace

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

Status CheckUniqueYamlKeys(const YAML::Node& root, size_t max_nodes) {
  // Iterative, so that nesting depth cannot exhaust the stack.
  std::vector<YAML::Node> pending{root};
  size_t visited = 0;
  while (!pending.empty()) {
    YAML::Node node = std::move(pending.back());
    pending.pop_back();
    if (++visited > max_nodes) {
      return Error{ErrorCode::kMalformedRequest,
                   "the document has more than " + std::to_string(max_nodes) + " nodes"};
    }
    if (node.IsMap()) {
      if (auto s = CheckMapKeys(node); !s) return s;
      for (const auto& entry : node) {
        pending.push_back(entry.first);
        pending.push_back(entry.second);
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) pending.push_back(item);
    }
  }
  return Ok();
}

Result<std::string> YamlScalar(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) return YamlError(node, what + " must be a single value");
  return node.Scalar();
}

Result<YAML::Node> LoadOneYamlDocument(const std::string& text) {
  YAML::Node root = YAML::Load(text);  // the first document
  // Is there a second? Parsed event by event into nothing: YAML::LoadAll would build a node tree
  // for every document, and thousands of tiny documents take it seconds and a gigabyte.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  if (parser.HandleNextDocument(starts) && parser.HandleNextDocument(starts)) {
    int line = starts.last.line;
    return Error{ErrorCode::kMalformedRequest,
                 (line >= 0 ? "line " + std::to_string(line + 1) + ": " : std::string()) +
                     "a second YAML document (after --- or ...): give exactly one"};
  }
  if (auto s = CheckUniqueYamlKeys(root); !s) return std::move(s).error();
  return root;
}

}  // namespace kb
