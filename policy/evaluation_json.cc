#include "policy/evaluation_json.h"

#include <boost/json/array.hpp>

namespace kb::policy {

boost::json::object EvaluationToJson(const Evaluation& decision) {
  boost::json::array explanation;
  for (const RuleResult& rule : decision.explanation) {
    boost::json::array checks;
    for (const Check& c : rule.checks) {
      checks.push_back(boost::json::object{{"what", c.what},
                                           {"expected", c.expected},
                                           {"actual", c.actual},
                                           {"matched", c.matched}});
    }
    boost::json::object entry{{"rule", rule.rule}, {"matched", rule.matched}};
    if (!rule.note.empty()) entry["note"] = rule.note;
    entry["checks"] = std::move(checks);
    explanation.push_back(std::move(entry));
  }
  boost::json::value matched_rule = nullptr;
  if (!decision.matched_rule.empty()) matched_rule = decision.matched_rule;
  return boost::json::object{{"decision", decision.allow ? "allow" : "deny"},
                             {"policy", decision.policy},
                             {"matched_rule", matched_rule},
                             {"reason", decision.reason},
                             {"explanation", std::move(explanation)}};
}

}  // namespace kb::policy
