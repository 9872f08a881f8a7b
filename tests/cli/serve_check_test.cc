// `keybroker serve --check` validates everything a start would without binding or writing, and
// a start that fails leaves the database as it was: every check that can fail runs before the
// first write (cli/start_checks.h). Through the real binary.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::cli {
namespace {

using testing::KeybrokerWithStderr;

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A listening socket on 127.0.0.1 and a free port, closed when it goes.
class BusyPort {
 public:
  BusyPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class ServeCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    data_ = dir_ + "/data";  // not made: --check and a failed start must not make it
    kek_ = dir_ + "/kek.bin";
    std::ofstream(kek_) << std::string(32, '\x07');
    ASSERT_EQ(::chmod(kek_.c_str(), 0600), 0);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // A configuration on data_, with `extra` lines.
  std::string Config(const std::string& extra, int port = 0) {
    std::string path = dir_ + "/config.yaml";
    std::ofstream(path) << "listen: {address: 127.0.0.1, port: " << port << "}\n"
                        << "data_dir: " << data_ << "\nkek_file: " << kek_ << "\n"
                        << extra;
    return path;
  }
  std::string dir_, data_, kek_;
};

TEST_F(ServeCheck, PrintsTheEffectiveConfigurationAndWritesNothing) {
  std::string config =
      Config("bootstrap_dir: " + testing::VectorPath("../../docs/examples/bootstrap") + "\n");
  auto run = testing::Keybroker("serve --check --config " + config);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("database: " + data_ + "/keybroker.db"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("kek_file: " + kek_), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("max_body_bytes: 409600"), std::string::npos) << run.out;  // a default
  EXPECT_EQ(run.out.find('\x07'), std::string::npos);  // the KEK's bytes are not printed
  EXPECT_FALSE(Exists(data_));
  auto logged = KeybrokerWithStderr("serve --check --config " + config);
  EXPECT_NE(logged.out.find("configuration OK"), std::string::npos) << logged.out;
  EXPECT_NE(logged.out.find("Nothing was bound or written"), std::string::npos) << logged.out;
}

TEST_F(ServeCheck, NamesTheSettingAndThePathOfAMissingFile) {
  ASSERT_EQ(::unlink(kek_.c_str()), 0);
  auto run = KeybrokerWithStderr("serve --check --config " + Config(""));
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("kek_file: " + kek_ + ": No such file or directory"), std::string::npos)
      << run.out;
  std::ofstream(kek_) << std::string(32, '\x07');
  ASSERT_EQ(::chmod(kek_.c_str(), 0600), 0);
  run = KeybrokerWithStderr("serve --check --config " +
                            Config("trust_roots: [" + dir_ + "/no-root.pem]\n"));
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("trust_roots: " + dir_ + "/no-root.pem: No such file or directory"),
            std::string::npos)
      << run.out;
  run = KeybrokerWithStderr("serve --check --config " +
                            Config("bootstrap_dir: " + dir_ + "/no-such-dir\n"));
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("bootstrap_dir: " + dir_ + "/no-such-dir: No such file or directory"),
            std::string::npos)
      << run.out;
}

TEST_F(ServeCheck, FindsABadBootstrapFileAndAKeyThatIsNotTheCertificates) {
  ASSERT_EQ(::mkdir((dir_ + "/boot").c_str(), 0700), 0);
  std::ofstream(dir_ + "/boot/p.yaml") << "name: p\nkeys: [k]\nplatform: nitro-enclave\n"
                                       << "allow:\n  - pcrs: {0: \"" << std::string(96, 'a')
                                       << "\", 16: \"" << std::string(96, 'a') << "\"}\n";
  auto run =
      KeybrokerWithStderr("serve --check --config " + Config("bootstrap_dir: " + dir_ + "/boot\n"));
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("bootstrap_dir: " + dir_ +
                         "/boot/p.yaml: line 5: PCR16 does not exist on nitro-enclave"),
            std::string::npos)
      << run.out;
  Time now = *ParseRfc3339("2026-05-01T12:00:00Z");
  ASSERT_TRUE(testing::WriteLocalhostCertificate(dir_ + "/a.pem", dir_ + "/a.key", now));
  ASSERT_TRUE(testing::WriteLocalhostCertificate(dir_ + "/b.pem", dir_ + "/b.key", now));
  run = KeybrokerWithStderr(
      "serve --check --config " +
      Config("tls: {certificate: " + dir_ + "/a.pem, private_key: " + dir_ + "/b.key}\n"));
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("tls.private_key: " + dir_ + "/b.key is not the key of the certificate"),
            std::string::npos)
      << run.out;
  run = KeybrokerWithStderr(
      "serve --check --config " +
      Config("tls: {certificate: " + dir_ + "/a.pem, private_key: " + dir_ + "/a.key}\n"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
}

// The start fails at its last check, the port: the bootstrap files it would have loaded, the
// migrations it would have run, are not in the database.
TEST_F(ServeCheck, AStartThatFailsLeavesTheDatabaseAsItWas) {
  ASSERT_EQ(::mkdir(data_.c_str(), 0700), 0);
  std::string db = data_ + "/keybroker.db";
  {
    auto old = storage::Database::OpenAtVersion(db, 1);  // an older keybroker's database
    ASSERT_TRUE(old) << old.error().message;
  }
  ASSERT_FALSE(Exists(db + "-wal"));
  std::string before = Contents(db);
  BusyPort busy;
  std::string config = Config(
      "bootstrap_dir: " + testing::VectorPath("../../docs/examples/bootstrap") + "\n", busy.port());
  auto run = KeybrokerWithStderr("serve --config " + config);
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("cannot listen on 127.0.0.1:" + std::to_string(busy.port()) +
                         ": Address already in use"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("listen.port"), std::string::npos) << run.out;
  EXPECT_EQ(Contents(db), before);  // not migrated, no bootstrap rows
  EXPECT_FALSE(Exists(db + "-wal"));
  EXPECT_FALSE(Exists(data_ + "/tls"));  // no development certificate made either
}

TEST_F(ServeCheck, AStartWithABadTlsKeyCreatesNoDatabase) {
  Time now = *ParseRfc3339("2026-05-01T12:00:00Z");
  ASSERT_TRUE(testing::WriteLocalhostCertificate(dir_ + "/a.pem", dir_ + "/a.key", now));
  std::ofstream(dir_ + "/bad.key")
      << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto run = KeybrokerWithStderr(
      "serve --config " +
      Config("tls: {certificate: " + dir_ + "/a.pem, private_key: " + dir_ + "/bad.key}\n"));
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find("tls.private_key: " + dir_ + "/bad.key: holds no unencrypted PEM"),
            std::string::npos)
      << run.out;
  EXPECT_FALSE(Exists(data_));
}

}  // namespace
}  // namespace kb::cli
