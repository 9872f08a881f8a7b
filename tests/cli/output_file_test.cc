// An output path never destroys what stood there: a device or FIFO of ours is written as it is
// (also through a link, as /dev/stdout), any other symbolic link is refused, a regular file is
// replaced atomically with a new inode of exactly the requested mode. Through WriteFileWithMode and
// through `keybroker dev-attest --out`.

#include "cli/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::Keybroker;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct stat Lstat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

std::set<std::string> List(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.insert(name);
  }
  if (d) ::closedir(d);
  return names;
}

// Reads a FIFO on a thread until its writer has come and gone. The read end is open from
// construction on, so a writer's open() does not wait; Finish() stops a reader whose writer never
// came (the FIFO was replaced, say) instead of hanging the test.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)), thread_([this] { Read(); }) {}
  ~FifoReader() {
    if (thread_.joinable()) Finish();
  }
  std::string Finish() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return data_;
  }

 private:
  void Read() {
    char buf[4096];
    while (fd_ >= 0) {
      pollfd p{fd_, POLLIN, 0};
      int ready = ::poll(&p, 1, 50);
      if (ready > 0 && (p.revents & POLLIN)) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n > 0) {
          data_.append(buf, size_t(n));
          continue;
        }
      }
      if (ready > 0 && (p.revents & POLLHUP)) return;  // the writer closed; all is read
      if (stop_) return;
    }
  }
  int fd_;
  std::atomic<bool> stop_{false};
  std::string data_;
  std::thread thread_;
};

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir(); }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  Status Write(const std::string& path, const std::string& text, unsigned mode) {
    return WriteFileWithMode(path, AsBytes(text), mode);
  }
  std::string DevAttest(const std::string& out) {
    return "dev-attest --platform nitro-enclave --ca-dir " + dir_ + "/ca --out " + out;
  }
  std::string dir_;
};

// Puts /dev/null back if a broken writer replaced it, so that one failure breaks one test only.
class DevNullGuard {
 public:
  ~DevNullGuard() {
    struct stat st {};
    if (::lstat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode)) return;
    ::unlink("/dev/null");
    ::mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
    ::chmod("/dev/null", 0666);
  }
};

TEST_F(OutputFile, DevNullStaysTheDeviceWhenRootWritesToIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (the FIFO tests cover devices otherwise)";
  DevNullGuard guard;
  struct stat before = Lstat("/dev/null");
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  ASSERT_EQ(Keybroker(DevAttest("/dev/null")).exit_code, 0);
  ASSERT_TRUE(Write("/dev/null", "discarded", 0600));
  struct stat after = Lstat("/dev/null");
  EXPECT_TRUE(S_ISCHR(after.st_mode)) << "/dev/null was replaced";
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode & 07777, before.st_mode & 07777);
}

TEST_F(OutputFile, FifoReceivesTheBytesAndStaysAFifo) {
  std::string fifo = dir_ + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  FifoReader reader(fifo);
  Status written = Write(fifo, "the content", 0600);
  EXPECT_EQ(reader.Finish(), "the content");
  ASSERT_TRUE(written) << written.error().message;
  struct stat st = Lstat(fifo);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0644u);  // a FIFO keeps its own mode
  EXPECT_EQ(List(dir_), std::set<std::string>{"pipe"});
}

TEST_F(OutputFile, DevAttestWritesAVerifiableDocumentIntoAFifo) {
  std::string fifo = dir_ + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  FifoReader reader(fifo);
  int exit_code = Keybroker(DevAttest(fifo)).exit_code;
  std::string document = reader.Finish();
  ASSERT_EQ(exit_code, 0);
  EXPECT_TRUE(S_ISFIFO(Lstat(fifo).st_mode));
  Spit(dir_ + "/copy.cbor", document);
  auto verified =
      Keybroker("verify --evidence " + dir_ + "/copy.cbor --trust-root " + dir_ + "/ca/root.pem");
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
}

TEST_F(OutputFile, RefusesASymlinkAndLeavesItsTargetAlone) {
  std::string target = dir_ + "/victim", link = dir_ + "/link";
  Spit(target, "precious");
  ::chmod(target.c_str(), 0644);
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  Status written = Write(link, "attacker-steered", 0600);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("symbolic link"), std::string::npos);
  EXPECT_EQ(Slurp(target), "precious");
  EXPECT_EQ(Lstat(target).st_mode & 07777, 0644u);
  EXPECT_TRUE(S_ISLNK(Lstat(link).st_mode));
  EXPECT_EQ(Keybroker(DevAttest(link)).exit_code, 2);
  EXPECT_EQ(Slurp(target), "precious");
  EXPECT_TRUE(S_ISLNK(Lstat(link).st_mode));
}

TEST_F(OutputFile, WritesThroughALinkToOurFifoButNotIntoAnotherUsersFifo) {
  std::string fifo = dir_ + "/pipe", link = dir_ + "/stdout-like";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(::symlink(fifo.c_str(), link.c_str()), 0);
  {
    FifoReader reader(fifo);
    Status written = Write(link, "to our pipe", 0600);
    EXPECT_EQ(reader.Finish(), "to our pipe");
    ASSERT_TRUE(written) << written.error().message;
  }
  EXPECT_TRUE(S_ISLNK(Lstat(link).st_mode));
  if (::geteuid() != 0) GTEST_SKIP() << "planting another user's FIFO needs root";
  // Another user planted the FIFO (and a link to it): the secret must not flow into it.
  ASSERT_EQ(::lchown(fifo.c_str(), 65534, 65534), 0);
  FifoReader reader(fifo);
  Status into_theirs = Write(fifo, "key material", 0600);
  Status through_link = Write(link, "key material", 0600);
  EXPECT_EQ(reader.Finish(), "");
  ASSERT_FALSE(into_theirs);
  EXPECT_NE(into_theirs.error().message.find("another user"), std::string::npos);
  EXPECT_FALSE(through_link);
  ASSERT_EQ(::lchown(fifo.c_str(), 0, 0), 0);
  ASSERT_EQ(::lchown(link.c_str(), 65534, 65534), 0);
  EXPECT_FALSE(Write(link, "key material", 0600));
  EXPECT_EQ(Keybroker(DevAttest(link)).exit_code, 2);
}

TEST_F(OutputFile, RefusesADanglingSymlinkWithoutCreatingItsTarget) {
  std::string target = dir_ + "/planted", link = dir_ + "/link";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_FALSE(Write(link, "key material", 0600));
  EXPECT_EQ(Keybroker(DevAttest(link)).exit_code, 2);
  struct stat st {};
  EXPECT_NE(::lstat(target.c_str(), &st), 0) << "the link's target was created";
}

TEST_F(OutputFile, ReplacesAnotherUsersFileWithANewInodeAndLeavesTheOldOneAlone) {
  std::string path = dir_ + "/out", old_link = dir_ + "/old-link";
  Spit(path, "old content");
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  ASSERT_EQ(::link(path.c_str(), old_link.c_str()), 0);
  bool root = ::geteuid() == 0;
  if (root) {
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  }
  struct stat before = Lstat(path);
  ASSERT_TRUE(Write(path, "new secret", 0600));
  struct stat after = Lstat(path);
  EXPECT_EQ(Slurp(path), "new secret");
  EXPECT_NE(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode & 07777, 0600u);
  EXPECT_EQ(after.st_uid, ::geteuid());
  // The old inode, still reachable through the hard link, was not written or chmod'ed.
  struct stat old = Lstat(old_link);
  EXPECT_EQ(Slurp(old_link), "old content");
  EXPECT_EQ(old.st_ino, before.st_ino);
  EXPECT_EQ(old.st_mode & 07777, 0666u);
  if (root) {
    EXPECT_EQ(old.st_uid, 65534u);
  }
  EXPECT_EQ(List(dir_), (std::set<std::string>{"out", "old-link"}));
}

TEST_F(OutputFile, NewFileHasExactlyTheRequestedModeWhateverTheUmask) {
  mode_t saved = ::umask(0);
  ASSERT_TRUE(Write(dir_ + "/private", "k", 0600));
  ::umask(077);
  ASSERT_TRUE(Write(dir_ + "/public", "c", 0644));
  ::umask(saved);
  EXPECT_EQ(Lstat(dir_ + "/private").st_mode & 07777, 0600u);
  EXPECT_EQ(Lstat(dir_ + "/public").st_mode & 07777, 0644u);
  // Through the CLI, under a umask that would leave everything world-writable.
  std::string command =
      "umask 000; " + std::string(KB_BINARY) + " " + DevAttest(dir_ + "/doc2.cbor") + " >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(Lstat(dir_ + "/ca/root.key").st_mode & 07777, 0600u);
  EXPECT_EQ(Lstat(dir_ + "/ca/intermediate.key").st_mode & 07777, 0600u);
  EXPECT_EQ(Lstat(dir_ + "/ca/root.pem").st_mode & 07777, 0644u);
  EXPECT_EQ(Lstat(dir_ + "/doc2.cbor").st_mode & 07777, 0644u);
}

TEST_F(OutputFile, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  std::string path = dir_ + "/out";
  Spit(path, "old");
  // Files may not grow past 8 bytes: the write of the temporary fails half-way (EFBIG).
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 8;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status written = Write(path, std::string(4096, 'x'), 0600);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  ASSERT_FALSE(written);
  EXPECT_EQ(Slurp(path), "old");
  EXPECT_EQ(List(dir_), std::set<std::string>{"out"});
}

TEST_F(OutputFile, RefusesADirectoryAndAMissingDirectory) {
  ASSERT_EQ(::mkdir((dir_ + "/sub").c_str(), 0700), 0);
  EXPECT_FALSE(Write(dir_ + "/sub", "x", 0600));
  EXPECT_FALSE(Write(dir_ + "/missing/out", "x", 0600));
  EXPECT_FALSE(Write(dir_ + "/sub/", "x", 0600));
  EXPECT_EQ(List(dir_), std::set<std::string>{"sub"});
  EXPECT_TRUE(List(dir_ + "/sub").empty());
}

}  // namespace
}  // namespace kb::cli
