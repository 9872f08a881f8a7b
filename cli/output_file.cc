#include "cli/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/encoding.h"
#include "crypto/random.h"

namespace kb::cli {
namespace {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // close() and its result, which matters after writes.
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Error Fail(const std::string& path, const std::string& why) {
  return Error{ErrorCode::kInternal, path + ": " + why};
}

Error Errno(const std::string& path) { return Fail(path, std::strerror(errno)); }

constexpr char kNotOurs[] =
    "belongs to another user; refusing to write into it (remove it or name another path)";
constexpr char kSymlinkRefused[] =
    "is a symbolic link to neither a device nor a FIFO; refusing to write through it (name its "
    "target)";

Status WriteAll(int fd, ByteSpan content, const std::string& path) {
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno(path);
    written += size_t(n);
  }
  return Ok();
}

// The directory part ("." when there is none) and the last component of `path`.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// A character device or FIFO, opened without creating or truncating anything and checked again
// on the descriptor, so that a swap after lstat() is refused before anything is written. With
// `through_link`, the path is a symbolic link (such as /dev/stdout) and only a device or FIFO at
// its end is written; a link to anything else is refused, as the open itself changed nothing.
// Only a device, FIFO or link that we or root own is written to: a FIFO (or a link to one) that
// another user planted in a shared directory such as /tmp would otherwise receive the secret.
bool OursOrRoot(uid_t owner) { return owner == 0 || owner == ::geteuid(); }

Status WriteToDeviceOrFifo(const std::string& path, ByteSpan content, const struct stat& at_path,
                           bool through_link) {
  if (!OursOrRoot(at_path.st_uid)) return Fail(path, kNotOurs);
  int follow = through_link ? 0 : O_NOFOLLOW;
  Fd fd(::open(path.c_str(), O_WRONLY | follow | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid() && through_link) return Fail(path, kSymlinkRefused);
  if (!fd.valid()) return Errno(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Errno(path);
  if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    return Fail(path, through_link ? kSymlinkRefused : "changed while being opened; not written");
  }
  if (!OursOrRoot(st.st_uid)) return Fail(path, kNotOurs);
  if (auto s = WriteAll(fd.get(), content, path); !s) return s;
  if (fd.Close() != 0) return Errno(path);
  return Ok();
}

// A new file in `dir_fd` with an unused random name, permissions within `mode` from the start.
Result<std::pair<std::string, int>> CreateTemporary(int dir_fd, const std::string& base,
                                                    unsigned mode, const std::string& path) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    uint8_t suffix[8];
    if (auto s = OsslRandom().Fill(suffix); !s) return std::move(s).error();
    std::string name = "." + base + ".tmp-" + HexEncode(suffix);
    int fd = ::openat(dir_fd, name.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
    if (fd >= 0) return std::make_pair(name, fd);
    if (errno != EEXIST) return Errno(path);
  }
  return Fail(path, "could not create a temporary file next to it");
}

// Fills, syncs and renames the temporary `name` over `base`; the caller removes it on failure.
Status FinishTemporary(int dir_fd, Fd& fd, const std::string& name, const std::string& base,
                       ByteSpan content, unsigned mode, const std::string& path) {
  // The umask may have narrowed the mode; widening it back to `mode` shows nothing extra.
  if (::fchmod(fd.get(), mode) != 0) return Errno(path);
  if (auto s = WriteAll(fd.get(), content, path); !s) return s;
  if (::fsync(fd.get()) != 0 || fd.Close() != 0) return Errno(path);
  if (::renameat(dir_fd, name.c_str(), dir_fd, base.c_str()) != 0) return Errno(path);
  return Ok();
}

Status ReplaceRegularFile(const std::string& path, ByteSpan content, unsigned mode) {
  auto [dir, base] = SplitPath(path);
  if (base.empty() || base == "." || base == "..") return Fail(path, "not a file name");
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) return Errno(path);
  auto created = CreateTemporary(dir_fd.get(), base, mode, path);
  if (!created) return std::move(created).error();
  Fd fd(created->second);
  const std::string& name = created->first;
  if (auto s = FinishTemporary(dir_fd.get(), fd, name, base, content, mode, path); !s) {
    ::unlinkat(dir_fd.get(), name.c_str(), 0);
    return s;
  }
  if (::fsync(dir_fd.get()) != 0) return Errno(path);  // the rename itself is durable
  return Ok();
}

}  // namespace

Status WriteFileWithMode(const std::string& path, ByteSpan content, unsigned mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Errno(path);
    return ReplaceRegularFile(path, content, mode);
  }
  if (S_ISREG(st.st_mode)) return ReplaceRegularFile(path, content, mode);
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    return WriteToDeviceOrFifo(path, content, st, /*through_link=*/false);
  }
  if (S_ISLNK(st.st_mode)) return WriteToDeviceOrFifo(path, content, st, /*through_link=*/true);
  return Fail(path, "is neither a regular file, a character device nor a FIFO; not written");
}

}  // namespace kb::cli
