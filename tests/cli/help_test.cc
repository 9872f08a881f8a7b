// Help at every level, through the built binary: `-h`, `--help` and `help` print to stdout and
// exit 0, `usage:` once, one line per option, nothing internal; usage errors are short, on
// stderr, exit 2, and point at --help. The admin help comes from the route table.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/routes.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::KeybrokerStreams;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A help text: stdout only, exit 0, one usage line, no internal option, no line left open.
// Returns the text.
std::string ExpectHelp(const std::string& args, const std::string& expected_usage) {
  SCOPED_TRACE(args);
  auto run = KeybrokerStreams(args);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out.rfind("usage: " + expected_usage, 0), 0u) << run.out;
  EXPECT_EQ(Count(run.out, "usage:"), 1u) << run.out;
  EXPECT_EQ(run.out.find("--args"), std::string::npos) << run.out;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(Count(line, "("), Count(line, ")")) << "cut line: " << line;
    EXPECT_FALSE(!line.empty() && (line.back() == ',' || line.back() == '|')) << line;
  }
  return run.out;
}

// A usage error: nothing on stdout, exit 2, a short message naming the problem and --help.
void ExpectUsageError(const std::string& args, const std::string& names) {
  SCOPED_TRACE(args);
  auto run = KeybrokerStreams(args);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find(names), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
  EXPECT_LE(Count(run.err, "\n"), 3u) << run.err;
}

TEST(Help, TheTopLevelListsEveryCommandAndTheEnvironment) {
  for (const char* help : {"--help", "-h", "help"}) {
    std::string out = ExpectHelp(help, "keybroker <command>");
    for (const char* command : {"serve", "verify", "policy", "keys", "audit", "admin", "dev-attest",
                                "challenge", "release", "version"}) {
      EXPECT_NE(out.find("\n  " + std::string(command) + " "), std::string::npos) << command;
    }
    for (const char* variable : {"KEYBROKER_URL", "KEYBROKER_CA", "KEYBROKER_TOKEN"}) {
      EXPECT_NE(out.find(variable), std::string::npos) << variable;
    }
  }
}

TEST(Help, EveryCommandAnswersEveryHelpSpelling) {
  const std::pair<std::string, std::string> commands[] = {
      {"serve", "keybroker serve --config FILE"},
      {"verify", "keybroker verify --evidence FILE"},
      {"policy", "keybroker policy <command>"},
      {"policy check", "keybroker policy check"},
      {"policy eval", "keybroker policy eval --policy FILE"},
      {"keys", "keybroker keys <command>"},
      {"keys create", "keybroker keys create --db FILE"},
      {"keys list", "keybroker keys list --db FILE"},
      {"audit", "keybroker audit <command>"},
      {"audit verify", "keybroker audit verify --db FILE"},
      {"dev-attest", "keybroker dev-attest --platform"},
      {"challenge", "keybroker challenge [--url URL]"},
      {"release", "keybroker release [--url URL]"},
      {"version", "keybroker version"},
      {"admin", "keybroker admin <resource> <verb>"},
      {"admin bootstrap", "keybroker admin bootstrap --db FILE"},
  };
  for (const auto& [command, usage] : commands) {
    ExpectHelp(command + " --help", usage);
    ExpectHelp(command + " -h", usage);
    ExpectHelp(command + " help", usage);
    ExpectHelp("help " + command, usage);
  }
}

TEST(Help, EachOptionHasOneLine) {
  std::string out = KeybrokerStreams("release --help").out;
  for (const char* option : {"--url URL", "--ca PEM", "--key-id ID", "--out FILE",
                             "--dev-attest DIR", "--pcr N=HEX", "-h, --help"}) {
    EXPECT_EQ(Count(out, "\n  " + std::string(option)), 1u) << option << "\n" << out;
  }
  EXPECT_NE(out.find("(default: cms)"), std::string::npos) << out;
  // A positional argument is in the synopsis, not an option line.
  EXPECT_EQ(KeybrokerStreams("policy check --help").out.find("--file"), std::string::npos);
}

// The admin help at its three levels lists exactly the route table's commands, with their
// summaries, routes and roles.
TEST(Help, AdminHelpIsTheRouteTable) {
  std::string overview = ExpectHelp("admin --help", "keybroker admin <resource> <verb>");
  EXPECT_EQ(KeybrokerStreams("admin help").out, overview);
  EXPECT_EQ(KeybrokerStreams("admin -h").out, overview);
  EXPECT_NE(overview.find("--url URL"), std::string::npos) << overview;
  std::set<std::string> resources;
  std::map<std::string, std::string> listings;  // resource → its --help
  for (const api::RouteEntry& route : api::RouteTable()) {
    if (route.surface != api::Surface::kAdmin) continue;
    std::string words(route.cli_words);
    std::string resource = words.substr(0, words.find(' '));
    EXPECT_NE(overview.find("\n  " + resource + " "), std::string::npos) << resource;
    std::string resource_usage = "keybroker admin " + resource + " <verb>";
    if (resources.insert(resource).second && words.find(' ') != std::string::npos) {
      listings[resource] = ExpectHelp("admin " + resource + " --help", resource_usage);
      EXPECT_EQ(KeybrokerStreams("admin " + resource + " help").out, listings[resource]);
      EXPECT_EQ(KeybrokerStreams("admin help " + resource).out, listings[resource]);
    }
    if (words.find(' ') != std::string::npos) {
      EXPECT_NE(listings[resource].find(std::string(route.summary)), std::string::npos) << words;
    }
    std::string help = ExpectHelp("admin " + words + " --help", "keybroker admin " + words);
    EXPECT_NE(help.find(std::string(route.summary)), std::string::npos) << help;
    EXPECT_NE(help.find(std::string(route.method) + " " + std::string(route.pattern)),
              std::string::npos)
        << help;
    EXPECT_NE(help.find("roles: " + broker::JoinRoleNames(route.allowed)), std::string::npos)
        << help;
  }
  EXPECT_NE(KeybrokerStreams("admin principals create --help").out.find("--roles LIST"),
            std::string::npos);
  EXPECT_NE(KeybrokerStreams("admin tokens create --help").out.find("never expires"),
            std::string::npos);
}

TEST(Help, UsageErrorsAreShortNameTheProblemAndPointAtHelp) {
  ExpectUsageError("", "which command?");
  ExpectUsageError("frobnicate", "unknown command 'frobnicate'");
  ExpectUsageError("serve", "'--config' is required");
  ExpectUsageError("serve --bogus", "--bogus");
  ExpectUsageError("policy", "check, eval");
  ExpectUsageError("keys frob", "unknown command 'frob'");
  ExpectUsageError("audit", "verify");
  ExpectUsageError("challenge", "KEYBROKER_URL");
  ExpectUsageError("admin", "which command?");
  ExpectUsageError("admin frob", "unknown resource 'frob'");
  ExpectUsageError("admin keys frob x", "unknown command 'frob'");
  ExpectUsageError("admin tokens create", "missing PRINCIPAL");
  ExpectUsageError("admin whoami extra", "unexpected argument 'extra'");
  ExpectUsageError("admin policies approve p", "missing --version V");
  ExpectUsageError("admin grants create bob --key-id k", "missing --operations LIST");
  ExpectUsageError("admin bootstrap", "missing --db FILE");
}

// A missing required option says which, and what it takes: the roles by name.
TEST(Help, AMissingRolesOptionNamesItAndTheRoles) {
  auto run = KeybrokerStreams("admin principals create bob");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("missing --roles LIST"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("policy-author"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("unknown or incomplete"), std::string::npos) << run.err;
}

// A bad policy file: its name and line, no usage after it (parsed before any connection).
TEST(Help, PoliciesPutWithABadFileNamesTheFileAndTheLine) {
  std::string file = testing::MakeTempDir() + "/bad-policy.yaml";
  std::ofstream(file) << "name: p\nkeys: [k]\npcrs: {}\n";
  auto run = KeybrokerStreams("admin policies put --file " + file + " --url https://127.0.0.1:1");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find(file + ": line 3"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("usage:"), std::string::npos) << run.err;
  EXPECT_LE(Count(run.err, "\n"), 2u) << run.err;
}

TEST(Help, BootstrapWithAnUnknownRoleListsTheRoles) {
  std::string db = testing::MakeTempDir() + "/kb.db";
  auto run = KeybrokerStreams("admin bootstrap --db " + db + " --roles approvr");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown role approvr; the roles are admin, key-manager, policy-author, "
                         "approver, auditor, kms-user, xks-proxy"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace kb::cli
