// The configurations shipped in deploy/ load with the broker's own parser and name the paths
// that the container image and the systemd unit provide (tests/deploy/*.sh check the other
// side: the Containerfile's user and volumes, the unit's credentials). Until `serve --check`
// exists this is how they are validated.

#include <gtest/gtest.h>

#include "cli/config.h"

namespace kb::cli {
namespace {

Config Load(const std::string& name) {
  auto config = LoadConfig(std::string(KB_SOURCE_DIR) + "/deploy/" + name);
  EXPECT_TRUE(config) << name << ": " << config.error().message;
  return config ? *config : Config{};
}

TEST(DeployConfig, TheContainerConfigurationNamesTheImagesPathsAndSecretMounts) {
  Config c = Load("config.container.yaml");
  EXPECT_EQ(c.listen_address, "0.0.0.0");
  EXPECT_EQ(c.data_dir, "/var/lib/keybroker");
  EXPECT_EQ(c.database, "/var/lib/keybroker/keybroker.db");
  EXPECT_EQ(c.kek_file, "/run/secrets/keybroker/kek.bin");
  EXPECT_EQ(c.tls_private_key, "/run/secrets/keybroker/tls-key.pem");
  EXPECT_EQ(c.tls_certificate, "/etc/keybroker/tls/cert.pem");
  EXPECT_EQ(c.audit_sink, "/var/log/keybroker/audit.jsonl");
  EXPECT_TRUE(c.trust_roots.empty());
  EXPECT_TRUE(c.bootstrap_dir.empty());
  EXPECT_EQ(c.approvals_required, 2);
}

TEST(DeployConfig, TheProductionConfigurationReadsItsSecretsFromTheUnitsCredentials) {
  Config c = Load("config.production.yaml");
  EXPECT_EQ(c.kek_file, "/run/credentials/keybroker.service/kek.bin");
  EXPECT_EQ(c.tls_private_key, "/run/credentials/keybroker.service/tls-key.pem");
  EXPECT_EQ(c.data_dir, "/var/lib/keybroker");                // StateDirectory=keybroker
  EXPECT_EQ(c.audit_sink, "/var/log/keybroker/audit.jsonl");  // LogsDirectory=keybroker
  EXPECT_TRUE(c.trust_roots.empty());
  EXPECT_EQ(c.approvals_required, 2);
}

}  // namespace
}  // namespace kb::cli
