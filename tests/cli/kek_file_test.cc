// The KEK loader's rules (cli/kek_file.h): an owner-only file anywhere; a symbolic link, or a
// file others can read, only from a read-only, root-made secret mount reached through
// directories nobody else can write. The read-only mounts are real: each case runs in a child
// process with its own mount namespace (root and CAP_SYS_ADMIN, as in CI; skipped otherwise).

#include "cli/kek_file.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include "cli/secret_mount.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

constexpr uid_t kAttacker = 4242;
constexpr int kNoMountNamespace = 77;

struct Outcome {
  bool skipped = false;
  bool loaded = false;
  std::string message;
};

// Setup steps, each true on success: ASSERTed in the test, or ending a child that fails one.
bool WriteFile(const std::string& path, mode_t mode, uid_t owner = 0) {
  std::ofstream(path, std::ios::binary) << std::string(32, 'k');
  return ::chmod(path.c_str(), mode) == 0 && ::chown(path.c_str(), owner, owner) == 0;
}

bool MakeDir(const std::string& path, mode_t mode) {
  return ::mkdir(path.c_str(), mode) == 0 && ::chmod(path.c_str(), mode) == 0;
}

bool Link(const std::string& target, const std::string& path) {
  return ::symlink(target.c_str(), path.c_str()) == 0;
}

class KekFile : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the cases chown files and mount a tmpfs";
    dir_ = testing::MakeTempDir();
    secrets_ = dir_ + "/secrets";
    ASSERT_EQ(::mkdir(secrets_.c_str(), 0755), 0);
    host_ = dir_ + "/host";  // a directory on the host's disk, for a bind mount
    ASSERT_EQ(::mkdir(host_.c_str(), 0755), 0);
  }
  void TearDown() override {
    ::unsetenv(kContainerVariable);
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  // In a child with its own mount namespace: mounts a tmpfs (mode 1777, as a Kubernetes secret
  // volume) on secrets_, runs `populate`, makes the mount read-only, then loads `kek`.
  // `in_container` sets KEYBROKER_CONTAINER=1 in the child, as deploy/Containerfile does.
  Outcome LoadWithReadOnlySecrets(const std::function<bool()>& populate, const std::string& kek,
                                  bool in_container = true, bool host_bind = false) {
    int out[2];
    if (::pipe(out) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(out[0]);
      if (::unshare(CLONE_NEWNS) != 0 ||
          ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          (host_bind ? ::mount(host_.c_str(), secrets_.c_str(), nullptr, MS_BIND, nullptr)
                     : ::mount("tmpfs", secrets_.c_str(), "tmpfs", 0, "mode=1777")) != 0) {
        _exit(kNoMountNamespace);
      }
      if (!populate()) _exit(3);
      if (in_container ? ::setenv(kContainerVariable, "1", 1) : ::unsetenv(kContainerVariable)) {
        _exit(6);
      }
      if (::mount(nullptr, secrets_.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) !=
          0) {
        _exit(4);
      }
      auto loaded = LoadKekFile(kek);
      std::string report = loaded ? "1" : "0" + loaded.error().message;
      if (::write(out[1], report.data(), report.size()) < 0) _exit(5);
      _exit(0);
    }
    ::close(out[1]);
    std::string report;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) report.append(buf, size_t(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    Outcome outcome;
    outcome.skipped = WIFEXITED(status) && WEXITSTATUS(status) == kNoMountNamespace;
    EXPECT_TRUE(outcome.skipped ||
                (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !report.empty()))
        << "child status " << status;
    outcome.loaded = report.substr(0, 1) == "1";
    outcome.message = report.empty() ? "" : report.substr(1);
    return outcome;
  }

  std::string dir_, secrets_, host_;
};

#define SKIP_WITHOUT_MOUNTS(outcome) \
  if ((outcome).skipped) GTEST_SKIP() << "no mount namespace (needs CAP_SYS_ADMIN)"

TEST_F(KekFile, AnOwnerOnlyFileIsRead) {
  ASSERT_TRUE(WriteFile(dir_ + "/kek.bin", 0600));
  auto kek = LoadKekFile(dir_ + "/kek.bin");
  EXPECT_TRUE(kek) << kek.error().message;
}

TEST_F(KekFile, AFileOthersCanReadOutsideAReadOnlyMountIsRefused) {
  ASSERT_EQ(::setenv(kContainerVariable, "1", 1), 0);  // even in a container
  ASSERT_TRUE(
      WriteFile(dir_ + "/kek.bin", 0444));  // root-owned, as a secret, but on a writable disk
  auto kek = LoadKekFile(dir_ + "/kek.bin");
  ASSERT_FALSE(kek);
  EXPECT_NE(kek.error().message.find("(mode 0444) and not a read-only secret mount: it is not on "
                                     "a read-only tmpfs"),
            std::string::npos)
      << kek.error().message;
  EXPECT_NE(kek.error().message.find("Fix: chmod 600 " + dir_ + "/kek.bin"), std::string::npos);
}

TEST_F(KekFile, ALinkOutsideAReadOnlyMountIsRefused) {
  ASSERT_EQ(::setenv(kContainerVariable, "1", 1), 0);  // even in a container
  ASSERT_TRUE(WriteFile(dir_ + "/real.bin", 0600));
  ASSERT_TRUE(Link(dir_ + "/real.bin", dir_ + "/kek.bin"));
  auto kek = LoadKekFile(dir_ + "/kek.bin");
  ASSERT_FALSE(kek);
  EXPECT_NE(kek.error().message.find("a symbolic link to " + dir_ + "/real.bin"), std::string::npos)
      << kek.error().message;
  EXPECT_NE(kek.error().message.find("not on a read-only tmpfs"), std::string::npos);
}

TEST_F(KekFile, AContainerSecretOfMode0444IsReadFromAReadOnlyMount) {
  auto outcome = LoadWithReadOnlySecrets([&] { return WriteFile(secrets_ + "/kek.bin", 0444); },
                                         secrets_ + "/kek.bin");
  SKIP_WITHOUT_MOUNTS(outcome);
  EXPECT_TRUE(outcome.loaded) << outcome.message;
}

// On a host, systemd's ProtectSystem=strict makes /etc read-only to the service, while every
// user of the host can still read a 0444 file there: without KEYBROKER_CONTAINER=1 a read-only
// mount is not a secret mount.
TEST_F(KekFile, AReadOnlyMountOutsideAContainerIsNotASecretMount) {
  auto outcome = LoadWithReadOnlySecrets([&] { return WriteFile(secrets_ + "/kek.bin", 0444); },
                                         secrets_ + "/kek.bin", /*in_container=*/false);
  SKIP_WITHOUT_MOUNTS(outcome);
  EXPECT_FALSE(outcome.loaded);
  EXPECT_NE(outcome.message.find("accepted only from a container's read-only secret volume"),
            std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("Fix: chmod 600 " + secrets_ + "/kek.bin"), std::string::npos)
      << outcome.message;
}

// docker compose secrets and `-v DIR:/run/secrets:ro` bind-mount a host directory: read-only in
// the container, but the file stays on the host's disk, readable by the host's users.
TEST_F(KekFile, AReadOnlyBindMountOfAHostDirectoryIsNotASecretMount) {
  auto outcome = LoadWithReadOnlySecrets([&] { return WriteFile(secrets_ + "/kek.bin", 0444); },
                                         secrets_ + "/kek.bin", /*in_container=*/true,
                                         /*host_bind=*/true);
  SKIP_WITHOUT_MOUNTS(outcome);
  EXPECT_FALSE(outcome.loaded);
  EXPECT_NE(outcome.message.find("it is not on a read-only tmpfs made for the container"),
            std::string::npos)
      << outcome.message;
}

// Its owner can read it, and write another key into it before the broker starts.
TEST_F(KekFile, AnOwnerOnlyFileAnotherUserOwnsIsRefused) {
  ASSERT_TRUE(WriteFile(dir_ + "/kek.bin", 0600, kAttacker));
  auto kek = LoadKekFile(dir_ + "/kek.bin");
  ASSERT_FALSE(kek);
  EXPECT_NE(kek.error().message.find("belongs to uid 4242, neither root nor the broker's user"),
            std::string::npos)
      << kek.error().message;
}

TEST_F(KekFile, AKubernetesSecretVolumeIsReadThroughItsDataLinks) {
  auto outcome = LoadWithReadOnlySecrets(
      [&] {
        std::string version = "..2026_11_29_08_00_00.123456789";
        return MakeDir(secrets_ + "/" + version, 0755) &&
               WriteFile(secrets_ + "/" + version + "/kek.bin", 0644) &&
               Link(version, secrets_ + "/..data") && Link("..data/kek.bin", secrets_ + "/kek.bin");
      },
      secrets_ + "/kek.bin");
  SKIP_WITHOUT_MOUNTS(outcome);
  EXPECT_TRUE(outcome.loaded) << outcome.message;
}

TEST_F(KekFile, ALinkToAFileAnotherUserOwnsIsRefusedEvenOnAReadOnlyMount) {
  auto outcome = LoadWithReadOnlySecrets(
      [&] {
        return WriteFile(secrets_ + "/attacker.bin", 0600, kAttacker) &&
               Link("attacker.bin", secrets_ + "/kek.bin");
      },
      secrets_ + "/kek.bin");
  SKIP_WITHOUT_MOUNTS(outcome);
  EXPECT_FALSE(outcome.loaded);
  EXPECT_NE(outcome.message.find("belongs to uid 4242, neither root nor the broker's user"),
            std::string::npos)
      << outcome.message;
}

TEST_F(KekFile, ALinkPlantedInADirectoryOthersCanWriteIsRefused) {
  // The target is a perfect secret (root's, 0444, read-only mount), but whoever can write the
  // link's directory chose it: they could point it at any such file whose bytes they know.
  std::string open_dir = dir_ + "/shared";
  ASSERT_TRUE(MakeDir(open_dir, 0777));
  ASSERT_TRUE(Link(secrets_ + "/kek.bin", open_dir + "/kek.bin"));
  std::string sticky_dir = dir_ + "/sticky";
  ASSERT_TRUE(MakeDir(sticky_dir, 01777));
  ASSERT_TRUE(Link(secrets_ + "/kek.bin", sticky_dir + "/kek.bin"));
  ASSERT_EQ(::lchown((sticky_dir + "/kek.bin").c_str(), kAttacker, kAttacker), 0);
  for (const std::string& dir : {open_dir, sticky_dir}) {
    auto outcome = LoadWithReadOnlySecrets([&] { return WriteFile(secrets_ + "/kek.bin", 0444); },
                                           dir + "/kek.bin");
    SKIP_WITHOUT_MOUNTS(outcome);
    EXPECT_FALSE(outcome.loaded) << dir;
    EXPECT_NE(outcome.message.find(dir +
                                   " can be written by a user other than root or the "
                                   "broker's, who could replace " +
                                   dir + "/kek.bin"),
              std::string::npos)
        << outcome.message;
  }
}

TEST_F(KekFile, AFileItsGroupCanWriteIsRefusedEvenOnAReadOnlyMount) {
  auto outcome = LoadWithReadOnlySecrets([&] { return WriteFile(secrets_ + "/kek.bin", 0464); },
                                         secrets_ + "/kek.bin");
  SKIP_WITHOUT_MOUNTS(outcome);
  EXPECT_FALSE(outcome.loaded);
  EXPECT_NE(outcome.message.find("(mode 0464) and not a read-only secret mount: group or others "
                                 "can write it"),
            std::string::npos)
      << outcome.message;
}

}  // namespace
}  // namespace kb::cli
