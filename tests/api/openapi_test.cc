// docs/openapi.yaml and the route table (api/routes.h) describe the same routes, and every admin
// operation documents its authentication and authorization errors.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "api/routes.h"

namespace kb::api {
namespace {

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::toupper);
  return s;
}

YAML::Node Document() { return YAML::LoadFile(std::string(KB_SOURCE_DIR) + "/docs/openapi.yaml"); }

TEST(OpenApi, ListsExactlyTheRoutesOfTheRouter) {
  std::set<std::string> documented, routed;
  for (const auto& path : Document()["paths"]) {
    for (const auto& operation : path.second) {
      std::string method = operation.first.as<std::string>();
      if (method == "parameters") continue;
      documented.insert(Upper(method) + " " + path.first.as<std::string>());
    }
  }
  // The KMS operations share POST /: docs/kms-compatibility.md describes them (below); the XKS
  // API is AWS's, under a configured prefix: docs/xks.md.
  for (const RouteEntry& r : RouteTable()) {
    if (r.surface == Surface::kKms || r.surface == Surface::kXks) continue;
    routed.insert(std::string(r.method) + " " + std::string(r.pattern));
  }
  EXPECT_EQ(documented, routed);
}

TEST(OpenApi, KmsCompatibilityNamesEveryKmsOperation) {
  std::ifstream file(std::string(KB_SOURCE_DIR) + "/docs/kms-compatibility.md");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  for (const RouteEntry& r : RouteTable()) {
    if (r.surface != Surface::kKms) continue;
    EXPECT_NE(text.find("`" + std::string(r.kms_operation) + "`"), std::string::npos)
        << r.kms_operation;
  }
}

TEST(OpenApi, XksDocumentNamesEveryXksPath) {
  std::ifstream file(std::string(KB_SOURCE_DIR) + "/docs/xks.md");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  for (const RouteEntry& r : RouteTable()) {
    if (r.surface != Surface::kXks) continue;
    std::string path(r.pattern);
    path.replace(path.find("/kms/xks/v1"), 11, "");
    EXPECT_NE(text.find("`" + path + "`"), std::string::npos) << r.pattern;
  }
}

TEST(OpenApi, AdminOperationsDocumentTokenAndRoleErrors) {
  YAML::Node doc = Document();
  EXPECT_EQ(doc["openapi"].as<std::string>(), "3.1.0");
  for (const auto& path : doc["paths"]) {
    std::string name = path.first.as<std::string>();
    for (const auto& operation : path.second) {
      if (operation.first.as<std::string>() == "parameters") continue;
      const YAML::Node& responses = operation.second["responses"];
      if (name.rfind("/v1/admin/", 0) == 0) {
        EXPECT_TRUE(responses["401"] && responses["403"]) << name;
        EXPECT_FALSE(operation.second["security"]) << name << " uses the default: bearer";
      } else {
        ASSERT_TRUE(operation.second["security"]) << name;
        EXPECT_EQ(operation.second["security"].size(), 0u) << name << " is open";
      }
    }
  }
}

}  // namespace
}  // namespace kb::api
