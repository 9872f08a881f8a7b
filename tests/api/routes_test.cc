// The route table: complete entries (a summary for help, CLI words for every admin route), no
// duplicate route or command, and today's roles and body limits where they are part of the
// contract. The OpenAPI parity is in openapi_test.cc.

#include "api/routes.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/https_server.h"

namespace kb::api {
namespace {

std::string Name(const RouteEntry& route) {
  return std::string(route.method) + " " + std::string(route.pattern) + " " +
         std::string(route.kms_operation);
}

const RouteEntry& Find(std::string_view method, std::string_view pattern) {
  for (const RouteEntry& route : RouteTable()) {
    if (route.method == method && route.pattern == pattern) return route;
  }
  ADD_FAILURE() << "no route " << method << " " << pattern;
  return RouteTable().front();
}

TEST(RouteTable, EveryRouteHasASummaryAndEveryAdminRouteItsOwnCommand) {
  std::set<std::string> routes, commands;
  for (const RouteEntry& route : RouteTable()) {
    EXPECT_FALSE(route.summary.empty()) << Name(route);
    EXPECT_EQ(route.summary.find('\n'), std::string_view::npos) << Name(route);
    EXPECT_TRUE(routes.insert(Name(route)).second) << "twice: " << Name(route);
    if (route.surface != Surface::kAdmin) {
      EXPECT_TRUE(route.cli_words.empty() && route.cli_arg.empty()) << Name(route);
      continue;
    }
    EXPECT_FALSE(route.cli_words.empty()) << Name(route) << " has no `keybroker admin` command";
    EXPECT_TRUE(commands.insert(std::string(route.cli_words)).second)
        << "two routes for `keybroker admin " << route.cli_words << "`";
    // A path parameter comes from the command's ARG, except a policy's name (from its file).
    bool has_parameter = route.pattern.find('{') != std::string_view::npos;
    if (route.cli_words != "policies put") {
      EXPECT_TRUE(!has_parameter || !route.cli_arg.empty()) << Name(route);
    }
  }
  EXPECT_EQ(commands.size(), 53u);
}

TEST(RouteTable, EachEntryHasTheHandlerAndAuthenticationOfItsSurface) {
  int kms = 0, xks = 0;
  for (const RouteEntry& route : RouteTable()) {
    switch (route.surface) {
      case Surface::kPublic:
        EXPECT_TRUE(route.on_public && !route.on_admin && !route.on_kms && !route.on_xks)
            << Name(route);
        EXPECT_EQ(route.allowed, 0u) << Name(route);
        EXPECT_FALSE(route.pattern.starts_with("/v1/admin/")) << Name(route);
        break;
      case Surface::kAdmin:
        EXPECT_TRUE(!route.on_public && route.on_admin && !route.on_kms && !route.on_xks)
            << Name(route);
        EXPECT_TRUE(route.pattern.starts_with("/v1/admin/")) << Name(route);
        EXPECT_EQ(route.allowed & broker::kApiRoles, 0u) << Name(route);
        EXPECT_NE(route.allowed, 0u) << Name(route);
        break;
      case Surface::kKms:
        ++kms;
        EXPECT_TRUE(!route.on_public && !route.on_admin && route.on_kms && !route.on_xks)
            << Name(route);
        EXPECT_EQ(route.method, "POST");
        EXPECT_EQ(route.pattern, "/");
        EXPECT_EQ(route.allowed, broker::Roles({broker::Role::kKmsUser})) << Name(route);
        EXPECT_EQ(FindKmsOperation(route.kms_operation), &route);
        break;
      case Surface::kXks:
        ++xks;
        EXPECT_TRUE(!route.on_public && !route.on_admin && !route.on_kms && route.on_xks)
            << Name(route);
        EXPECT_EQ(route.method, "POST");
        EXPECT_TRUE(route.pattern.starts_with("/kms/xks/v1/")) << Name(route);
        EXPECT_EQ(route.allowed, broker::Roles({broker::Role::kXksProxy})) << Name(route);
        EXPECT_EQ(route.body_limit, 64u * 1024) << Name(route);
        break;
    }
  }
  EXPECT_EQ(kms, 8);
  EXPECT_EQ(xks, 4);
  EXPECT_EQ(FindKmsOperation("CreateKey"), nullptr);
}

TEST(RouteTable, KeepsTheBodyLimitsAndTheServerReadsNoLessThanAnyRoute) {
  for (const RouteEntry& route : RouteTable()) {
    EXPECT_LE(route.body_limit, kServerBodyLimit) << Name(route);
    if (route.surface == Surface::kKms) {
      EXPECT_EQ(route.body_limit, 400u * 1024) << Name(route);
    }
    if (route.surface == Surface::kAdmin && route.method == "GET") {
      EXPECT_EQ(route.body_limit, 0u) << Name(route);
    }
  }
  EXPECT_EQ(ServerOptions().body_limit, 400u * 1024);
  EXPECT_EQ(Find("POST", "/v1/release").body_limit, 360u * 1024);
  EXPECT_EQ(Find("POST", "/v1/admin/keys").body_limit, 64u * 1024);
  EXPECT_EQ(Find("POST", "/v1/admin/references").body_limit, 64u * 1024);
  EXPECT_EQ(Find("PUT", "/v1/admin/policies/{name}").body_limit, 128u * 1024);
  EXPECT_EQ(Find("POST", "/v1/admin/policies/{name}:evaluate").body_limit, 400u * 1024);
}

TEST(RouteTable, FindsCommandsAndFillsTheirPaths) {
  const RouteEntry* rotate = FindCliCommand("keys rotate");
  ASSERT_NE(rotate, nullptr);
  EXPECT_EQ(rotate->method, "POST");
  EXPECT_EQ(FillPattern(rotate->pattern, "k%2F1"), "/v1/admin/keys/k%2F1/rotate");
  EXPECT_EQ(FillPattern("/v1/admin/policies/{name}:evaluate", "p"),
            "/v1/admin/policies/p:evaluate");
  EXPECT_EQ(FillPattern("/v1/admin/keys", "x"), "/v1/admin/keys");
  EXPECT_NE(FindCliCommand("whoami"), nullptr);
  EXPECT_EQ(FindCliCommand("keys frob"), nullptr);
}

}  // namespace
}  // namespace kb::api
