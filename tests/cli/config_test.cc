#include "cli/config.h"

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

TEST(Config, EmptyDocumentGivesDocumentedDefaults) {
  auto c = ParseConfig("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen_address, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8443);
  EXPECT_EQ(c->database, "./data/keybroker.db");
  EXPECT_EQ(c->kek_file, "./data/kek.bin");
  EXPECT_EQ(c->nonce_ttl, std::chrono::seconds(300));
  EXPECT_EQ(c->approvals_required, 1);
  EXPECT_EQ(c->certificate_cache_size, 4096);
  EXPECT_EQ(c->durability, storage::Durability::kFull);
}

TEST(Config, ReadsEveryField) {
  auto c = ParseConfig(R"(
listen: {address: 0.0.0.0, port: 9443}
workers: 4
data_dir: /var/lib/keybroker
tls: {certificate: /etc/kb/cert.pem, private_key: /etc/kb/key.pem}
trust_roots: [/etc/kb/dev-root.pem]
nonce_ttl: 2m
log_level: debug
approvals_required: 2
certificate_cache_size: 0
durability: normal
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen_port, 9443);
  EXPECT_EQ(c->workers, 4);
  EXPECT_EQ(c->database, "/var/lib/keybroker/keybroker.db");
  EXPECT_EQ(c->trust_roots.size(), 1u);
  EXPECT_EQ(c->nonce_ttl, std::chrono::seconds(120));
  EXPECT_EQ(c->approvals_required, 2);
  EXPECT_EQ(c->certificate_cache_size, 0);
  EXPECT_EQ(c->durability, storage::Durability::kNormal);
}

TEST(Config, RejectsUnknownKeysWithTheirLine) {
  auto c = ParseConfig("workers: 2\nlisten:\n  adress: 1.2.3.4\n");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "line 3: unknown key 'adress' under listen (did you mean address?)");
}

// yaml-cpp keeps both entries of a repeated key and node["key"] returns the first: a reader of
// the file could believe the second applies (e.g. approvals_required: 2 written below a 1).
TEST(Config, RejectsRepeatedKeysAtAnyDepthWithLineAndColumn) {
  auto top = ParseConfig("approvals_required: 1\nworkers: 2\napprovals_required: 2\n");
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().message,
            "line 3, column 1: duplicate key 'approvals_required' (first given on line 1)");
  auto nested = ParseConfig("limits:\n  max_connections: 10\n  max_connections: 20\n");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().message,
            "line 3, column 3: duplicate key 'max_connections' (first given on line 2)");
}

TEST(Config, RejectsASecondDocument) {
  auto two = ParseConfig("approvals_required: 2\n---\napprovals_required: 1\n");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message,
            "line 2: a second YAML document (after --- or ...): give exactly one");
  EXPECT_TRUE(ParseConfig("---\napprovals_required: 2\n"));  // one document, marked
}

TEST(Config, RejectsInvalidValues) {
  EXPECT_FALSE(ParseConfig("listen: {port: 70000}"));
  EXPECT_FALSE(ParseConfig("workers: -1"));
  EXPECT_FALSE(ParseConfig("nonce_ttl: 5x"));
  EXPECT_FALSE(ParseConfig("nonce_ttl: 2h"));
  EXPECT_FALSE(ParseConfig("log_level: loud"));
  EXPECT_FALSE(ParseConfig("tls: {certificate: a.pem}"));
  EXPECT_FALSE(ParseConfig("workers: [1, 2]"));
  EXPECT_FALSE(ParseConfig("listen: ["));
  EXPECT_FALSE(ParseConfig("- a list"));
  EXPECT_FALSE(ParseConfig("approvals_required: 0"));
  EXPECT_FALSE(ParseConfig("certificate_cache_size: -1"));
  EXPECT_FALSE(ParseConfig("durability: off"));
}

// Files loaded at start-up take effect on nobody's approval: under the two-person rule they are
// refused outright.
TEST(Config, RefusesABootstrapDirUnderTheTwoPersonRule) {
  auto c = ParseConfig("approvals_required: 2\nbootstrap_dir: /etc/kb/bootstrap\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("bootstrap_dir is refused when approvals_required is 2"),
            std::string::npos)
      << c.error().message;
  EXPECT_TRUE(ParseConfig("approvals_required: 1\nbootstrap_dir: /etc/kb/bootstrap\n"));
  EXPECT_TRUE(ParseConfig("approvals_required: 2\nbootstrap_dir: \"\"\n"));
}

TEST(Config, ReadsLimitsAndRateLimits) {
  auto c = ParseConfig(
      "limits:\n  max_connections: 10\n  max_requests_per_connection: 3\n"
      "  max_header_bytes: 4096\n  max_body_bytes: 2048\n  handshake_timeout: 2s\n"
      "  read_timeout: 3s\n  write_timeout: 4s\n  idle_timeout: 1m\n  shutdown_timeout: 0s\n"
      "rate_limits:\n  per_address: {per_second: 0.5, burst: 3}\n  per_key: {per_second: 0}\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->limits.max_connections, 10);
  EXPECT_EQ(c->limits.max_requests_per_connection, 3);
  EXPECT_EQ(c->limits.max_header_bytes, 4096);
  EXPECT_EQ(c->limits.max_body_bytes, 2048);
  EXPECT_EQ(c->limits.handshake_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c->limits.read_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c->limits.write_timeout, std::chrono::seconds(4));
  EXPECT_EQ(c->limits.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c->limits.shutdown_timeout, std::chrono::seconds(0));
  EXPECT_EQ(c->rate_limits.per_address.per_second, 0.5);
  EXPECT_EQ(c->rate_limits.per_address.burst, 3);
  EXPECT_EQ(c->rate_limits.per_identity.per_second, 5);  // the default
  EXPECT_EQ(c->rate_limits.per_key.per_second, 0);
}

TEST(Config, RejectsInvalidLimits) {
  for (const char* text :
       {"limits: {max_connections: 0}", "limits: {max_requests_per_connection: 0}",
        "limits: {max_header_bytes: 10}", "limits: {max_body_bytes: 100000000}",
        "limits: {read_timeout: 0s}", "limits: {idle_timeout: 2h}", "limits: {shutdown: 1s}",
        "limits: {shutdown_timeout: 11m}", "rate_limits: {per_address: {per_second: -1}}",
        "rate_limits: {per_key: {burst: 0}}", "rate_limits: {per_ip: {per_second: 1}}",
        "rate_limits: {per_identity: {rate: 1}}"}) {
    EXPECT_FALSE(ParseConfig(text)) << text;
  }
}

TEST(Config, ReadsTheKmsLocation) {
  auto c = ParseConfig("kms: {region: eu-west-1, account_id: '123456789012'}");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kms_region, "eu-west-1");
  EXPECT_EQ(c->kms_account_id, "123456789012");
  for (const char* text : {"kms: {region: EU_WEST}", "kms: {region: ''}", "kms: {account_id: 12}",
                           "kms: {account_id: '12345678901x'}", "kms: {partition: aws}"}) {
    EXPECT_FALSE(ParseConfig(text)) << text;
  }
}

TEST(Config, TheShippedConfigurationsAreValid) {
  for (const char* file : {"../../config.example.yaml", "../../deploy/config.production.yaml"}) {
    auto c = LoadConfig(testing::VectorPath(file));
    EXPECT_TRUE(c) << file << ": " << (c ? "" : c.error().message);
  }
}

}  // namespace
}  // namespace kb::cli
