// `keybroker serve` keeps its state owner-only and refuses to start on state that group or
// others can write: through the real CLI. Each configuration names TLS files that do not exist,
// so a serve that gets past the permission checks stops at the TLS check (exit 2 too, with a
// different message), before it writes anything.

#include "cli/state_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::KeybrokerWithStderr;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class ServeStateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    data_ = dir_ + "/data";
    ASSERT_EQ(::mkdir(data_.c_str(), 0700), 0);
    std::ofstream(data_ + "/kek.bin") << std::string(32, '\x07');
    ASSERT_EQ(::chmod((data_ + "/kek.bin").c_str(), 0600), 0);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // Runs serve with umask 022 on data_dir `data`.
  testing::CliRun Serve(const std::string& data) {
    std::string config = dir_ + "/config.yaml";
    std::ofstream(config) << "listen: {address: 127.0.0.1, port: 0}\n"
                          << "data_dir: " << data << "\n"
                          << "kek_file: " << data_ + "/kek.bin\n"
                          << "tls: {certificate: " << dir_ << "/no-cert.pem, private_key: " << dir_
                          << "/no-key.pem}\n";
    mode_t saved = ::umask(022);  // inherited by the child
    auto run = KeybrokerWithStderr("serve --config " + config + " </dev/null");
    ::umask(saved);
    return run;
  }
  // The refusal names the file, its mode and the fix, and came before TLS was tried.
  void ExpectRefused(const testing::CliRun& run, const std::string& path, const std::string& mode,
                     const std::string& fix) {
    EXPECT_EQ(run.exit_code, 2) << run.out;
    EXPECT_NE(run.out.find(path), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("(mode " + mode + ")"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(fix + " " + path), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("no-cert.pem"), std::string::npos) << run.out;
  }
  void Touch(const std::string& path, mode_t mode) {
    std::ofstream{path};
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }
  std::string dir_, data_;
};

// Only a start that passed every check writes (cli/start_checks.h): this one serves, with a
// generated development certificate, and is stopped.
TEST_F(ServeStateFiles, CreatesTheDataDirectoryAndDatabaseOwnerOnlyUnderUmask022) {
  std::string fresh = dir_ + "/state/data";  // neither it nor its parent exists
  std::string config = dir_ + "/serving.yaml";
  std::ofstream(config) << "listen: {address: 127.0.0.1, port: 0}\n"
                        << "data_dir: " << fresh << "\nkek_file: " << data_ << "/kek.bin\n";
  std::string log = dir_ + "/serve.log";
  std::string script = "umask 022; " + std::string(KB_BINARY) + " serve --config " + config +
                       " 2>" + log +
                       " & pid=$!; for i in $(seq 1 400); do grep -q 'serving https' " + log +
                       " && break; sleep 0.05; done; kill -TERM $pid; wait $pid";
  EXPECT_EQ(std::system(script.c_str()), 0);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("serving https"), std::string::npos) << text;
  EXPECT_EQ(ModeOf(fresh), 0700u);
  EXPECT_EQ(ModeOf(fresh + "/keybroker.db"), 0600u);
}

TEST_F(ServeStateFiles, RefusesADatabaseOthersCanWrite) {
  Touch(data_ + "/keybroker.db", 0666);
  ExpectRefused(Serve(data_), data_ + "/keybroker.db", "0666", "chmod 600");
  EXPECT_EQ(ModeOf(data_ + "/keybroker.db"), 0666u);  // reported, not changed behind one's back
}

TEST_F(ServeStateFiles, RefusesAWalOrShmOthersCanWrite) {
  Touch(data_ + "/keybroker.db", 0600);
  Touch(data_ + "/keybroker.db-wal", 0620);
  ExpectRefused(Serve(data_), data_ + "/keybroker.db-wal", "0620", "chmod 600");
  ASSERT_EQ(::unlink((data_ + "/keybroker.db-wal").c_str()), 0);
  Touch(data_ + "/keybroker.db-shm", 0602);
  ExpectRefused(Serve(data_), data_ + "/keybroker.db-shm", "0602", "chmod 600");
}

TEST_F(ServeStateFiles, RefusesStateAnotherUserOwns) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
  std::string db = data_ + "/keybroker.db";
  Touch(db, 0600);
  ASSERT_EQ(::chown(db.c_str(), 65534, 65534), 0);
  testing::CliRun run = Serve(data_);
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find(db + ": the database belongs to uid 65534"), std::string::npos) << run.out;
  ASSERT_EQ(::chown(db.c_str(), 0, 0), 0);
  std::string kek = data_ + "/kek.bin";
  ASSERT_EQ(::chown(kek.c_str(), 65534, 65534), 0);
  run = Serve(data_);
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_NE(run.out.find(kek + ": the KEK file belongs to uid 65534"), std::string::npos)
      << run.out;
}

TEST_F(ServeStateFiles, RefusesAKekItsGroupCanWrite) {
  ASSERT_EQ(::chmod((data_ + "/kek.bin").c_str(), 0620), 0);
  ExpectRefused(Serve(data_), data_ + "/kek.bin", "0620", "chmod 600");
}

TEST_F(ServeStateFiles, RefusesADataDirectoryOthersCanWrite) {
  ASSERT_EQ(::chmod(data_.c_str(), 0770), 0);
  ExpectRefused(Serve(data_), data_, "0770", "chmod 700");
  ASSERT_EQ(::chmod(data_.c_str(), 01777), 0);  // sticky does not help: the files can be added
  ExpectRefused(Serve(data_), data_, "1777", "chmod 700");
}

TEST_F(ServeStateFiles, StartsOnOwnerOnlyStateAndWarnsOfAReadableDatabase) {
  Touch(data_ + "/keybroker.db", 0644);  // as an older keybroker created it
  auto run = Serve(data_);
  EXPECT_NE(run.out.find("no-cert.pem"), std::string::npos) << run.out;  // past the checks
  EXPECT_NE(run.out.find("WARNING: " + data_ + "/keybroker.db is readable"), std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("refusing"), std::string::npos) << run.out;
}

TEST(MakeStateDirectory, MakesOnlyTheDirectoryItselfOwnerOnlyWhateverTheUmask) {
  std::string dir = testing::MakeTempDir();
  mode_t saved = ::umask(0);
  Status made = MakeStateDirectory(dir + "/a/b/");
  ::umask(saved);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(ModeOf(dir + "/a/b"), 0700u);
  ASSERT_EQ(::chmod((dir + "/a/b").c_str(), 0750), 0);
  ASSERT_TRUE(MakeStateDirectory(dir + "/a/b"));
  EXPECT_EQ(ModeOf(dir + "/a/b"), 0750u);  // an existing directory is the operator's
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace kb::cli
