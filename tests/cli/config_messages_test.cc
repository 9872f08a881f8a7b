// Configuration mistakes get messages that say what was wrong, on which line, and what to write
// instead (issue 18): a typed value names the key and what it expected, a tab is explained, an
// unknown key suggests the nearest valid one at every level.

#include <gtest/gtest.h>

#include "cli/config.h"
#include "cli/config_print.h"

namespace kb::cli {
namespace {

std::string ErrorOf(const std::string& yaml) {
  auto c = ParseConfig(yaml);
  return c ? "(parsed)" : c.error().message;
}

TEST(ConfigMessages, ATypedValueSaysWhatWasExpected) {
  EXPECT_EQ(ErrorOf("data_dir: /tmp\nlog_level: info\nworkers: \"two\"\n"),
            "line 3: workers: expected an integer, got 'two'");
  EXPECT_EQ(ErrorOf("workers: [1, 2]"), "line 1: workers: expected an integer, got a list");
  EXPECT_EQ(ErrorOf("approvals_required: 1.5"),
            "line 1: approvals_required: expected an integer, got '1.5'");
  EXPECT_EQ(ErrorOf("certificate_cache_size: lots"),
            "line 1: certificate_cache_size: expected an integer, got 'lots'");
  EXPECT_EQ(ErrorOf("listen:\n  port: https\n"),
            "line 2: listen.port: expected an integer, got 'https'");
  EXPECT_EQ(ErrorOf("limits:\n  max_connections: many\n"),
            "line 2: limits.max_connections: expected an integer, got 'many'");
  EXPECT_EQ(ErrorOf("limits: {read_timeout: soon}"),
            "line 1: limits.read_timeout: expected a duration like 300s, 5m or 1h, got 'soon'");
  EXPECT_EQ(ErrorOf("nonce_ttl: 5x"),
            "line 1: nonce_ttl: expected a duration like 300s, 5m or 1h, got '5x'");
  EXPECT_EQ(ErrorOf("rate_limits:\n  per_key: {per_second: fast}\n"),
            "line 2: rate_limits.per_key.per_second: expected a number, got 'fast'");
  EXPECT_EQ(ErrorOf("kms: {recipient_max_age: [1]}"),
            "line 1: kms.recipient_max_age: expected a duration like 300s, 5m or 1h, got a list");
  EXPECT_EQ(ErrorOf("data_dir: {a: 1}"),
            "line 1: data_dir: expected a single value, got a mapping");
  EXPECT_EQ(ErrorOf("tls:\n  certificate: [a, b]\n"),
            "line 2: tls.certificate: expected a single value, got a list");
  EXPECT_EQ(ErrorOf("trust_roots: /etc/root.pem"),
            "line 1: trust_roots: expected a list of paths, like [/etc/a.pem], got "
            "'/etc/root.pem'");
  EXPECT_EQ(ErrorOf("tpm_attestation_keys: [[a]]"),
            "line 1: tpm_attestation_keys: expected a path, got a list");
  EXPECT_EQ(ErrorOf("durability: off"), "line 1: durability: expected full or normal, got 'off'");
  EXPECT_EQ(ErrorOf("listen: 8443"),
            "line 1: listen: expected a mapping of settings (key: value), got '8443'");
  EXPECT_EQ(ErrorOf("- a list"),
            "line 1: the configuration: expected a mapping of settings (key: value), got a list");
}

TEST(ConfigMessages, ATabInTheIndentationIsExplained) {
  EXPECT_EQ(ErrorOf("workers: 2\nlisten:\n\tport: 9443\n"),
            "line 3: YAML does not allow tabs for indentation; use spaces");
  EXPECT_EQ(ErrorOf("listen:\n  \tport: 9443\n"),
            "line 2: YAML does not allow tabs for indentation; use spaces");
  EXPECT_EQ(ErrorOf("workers: 2\n\t# a comment\n"),
            "line 2: YAML does not allow tabs for indentation; use spaces");
  // A tab after the indentation separates like a space; a line of blanks is no indentation.
  EXPECT_EQ(ErrorOf("workers:\t2\n \t\nlog_level: info\n"), "(parsed)");
}

TEST(ConfigMessages, AnUnknownKeySuggestsTheNearestAtEveryLevel) {
  EXPECT_EQ(ErrorOf("log_levl: debug"), "line 1: unknown key 'log_levl' (did you mean log_level?)");
  EXPECT_EQ(ErrorOf("worker: 2"), "line 1: unknown key 'worker' (did you mean workers?)");
  EXPECT_EQ(ErrorOf("listen:\n  prot: 9443\n"),
            "line 2: unknown key 'prot' under listen (did you mean port?)");
  EXPECT_EQ(ErrorOf("limits:\n  max_conections: 10\n"),
            "line 2: unknown key 'max_conections' under limits (did you mean max_connections?)");
  EXPECT_EQ(ErrorOf("rate_limits:\n  per_adress: {burst: 1}\n"),
            "line 2: unknown key 'per_adress' under rate_limits (did you mean per_address?)");
  EXPECT_EQ(ErrorOf("rate_limits:\n  per_key: {brust: 1}\n"),
            "line 2: unknown key 'brust' under rate_limits.per_key (did you mean burst?)");
  EXPECT_EQ(ErrorOf("tls: {private_kye: k.pem}"),
            "line 1: unknown key 'private_kye' under tls (did you mean private_key?)");
  EXPECT_EQ(ErrorOf("kms: {acount_id: '000000000000'}"),
            "line 1: unknown key 'acount_id' under kms (did you mean account_id?)");
  // Nothing near: the keys allowed there are listed instead.
  EXPECT_EQ(
      ErrorOf("listen: {interface: eth0}"),
      "line 1: unknown key 'interface' under listen; the keys allowed here are address, port");
}

TEST(ConfigMessages, TheEffectiveConfigurationReadsBackTheSame) {
  auto c = ParseConfig(
      "listen: {address: 0.0.0.0, port: 9443}\ndata_dir: /var/lib/kb\ntrust_roots: [/a.pem]\n"
      "rate_limits: {per_address: {per_second: 0.5, burst: 3}}\nkms: {account_id: "
      "'000000000042'}\ndurability: normal\nnonce_ttl: 2m\n");
  ASSERT_TRUE(c) << c.error().message;
  std::string yaml = EffectiveConfigYaml(*c);
  EXPECT_NE(yaml.find("database: /var/lib/kb/keybroker.db"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("kek_file: /var/lib/kb/kek.bin"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("max_connections: 1024"), std::string::npos) << yaml;  // a default
  auto again = ParseConfig(yaml);
  ASSERT_TRUE(again) << again.error().message << "\n" << yaml;
  EXPECT_EQ(again->listen_address, "0.0.0.0");
  EXPECT_EQ(again->listen_port, 9443);
  EXPECT_EQ(again->database, c->database);
  EXPECT_EQ(again->kek_file, c->kek_file);
  EXPECT_EQ(again->tls_certificate, "");
  EXPECT_EQ(again->trust_roots, c->trust_roots);
  EXPECT_EQ(again->rate_limits.per_address.per_second, 0.5);
  EXPECT_EQ(again->rate_limits.per_address.burst, 3);
  EXPECT_EQ(again->kms_account_id, "000000000042");
  EXPECT_EQ(again->durability, storage::Durability::kNormal);
  EXPECT_EQ(again->nonce_ttl, std::chrono::seconds(120));
  EXPECT_EQ(again->limits.idle_timeout, c->limits.idle_timeout);
}

}  // namespace
}  // namespace kb::cli
