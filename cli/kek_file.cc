#include "cli/kek_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>

#include "cli/secret_mount.h"

namespace kb::cli {
namespace {

constexpr int kMaxLinks = 40;  // the kernel's own limit; a loop of links ends here

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", unsigned(mode & 07777));
  return text;
}

bool TrustedOwner(uid_t uid) { return uid == 0 || uid == ::geteuid(); }

// Whether only root or the broker's user can change what `entry` (a name in `dir`) is: `dir`
// belongs to one of them and either nobody else can write it or, in a container, it is a
// read-only in-memory secret mount (a Kubernetes volume is 1777). A sticky directory (/tmp)
// protects an entry that one of them owns: others cannot rename or remove it.
bool ProtectsEntry(const std::string& dir, const struct stat& entry) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !TrustedOwner(st.st_uid)) return false;
  if ((st.st_mode & 022) == 0) return true;
  if (RunsInOwnContainer() && OnReadOnlyMemoryMount(dir)) return true;
  return (st.st_mode & S_ISVTX) != 0 && TrustedOwner(entry.st_uid);
}

std::deque<std::string> Components(const std::string& path) {
  std::deque<std::string> names;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) names.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir == "/" ? dir + name : dir + "/" + name;
}

std::string ParentOf(const std::string& dir) {
  size_t slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

Result<std::string> Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) {
    return Error{ErrorCode::kInternal, std::string("getcwd: ") + std::strerror(errno)};
  }
  return std::string(cwd) + "/" + path;
}

// The path with every symbolic link resolved, walked from "/": at each step the directory must
// protect the next name (ProtectsEntry), or whoever can write it could point the KEK elsewhere.
Result<std::string> ResolveThroughProtectedDirectories(const std::string& path) {
  auto absolute = Absolute(path);
  if (!absolute) return std::move(absolute).error();
  auto unprotected = [](const std::string& dir, const std::string& entry) {
    return Error{ErrorCode::kInternal, dir +
                                           " can be written by a user other than root or the "
                                           "broker's, who could replace " +
                                           entry};
  };
  struct stat root {};
  if (::lstat("/", &root) != 0 || !ProtectsEntry("/", root)) return unprotected("/", "/");
  std::deque<std::string> pending = Components(*absolute);
  std::string dir = "/";
  for (int links = 0; !pending.empty();) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name == ".") continue;
    if (name == "..") {  // `dir` holds no link: its parent is lexical
      dir = ParentOf(dir);
      continue;
    }
    std::string entry_path = Join(dir, name);
    struct stat entry {};
    if (::lstat(entry_path.c_str(), &entry) != 0) {
      return Error{ErrorCode::kInternal, entry_path + ": " + std::strerror(errno)};
    }
    if (!ProtectsEntry(dir, entry)) return unprotected(dir, entry_path);
    if (!S_ISLNK(entry.st_mode)) {
      dir = entry_path;
      continue;
    }
    char target[PATH_MAX];
    ssize_t n = ::readlink(entry_path.c_str(), target, sizeof target - 1);
    if (n <= 0 || ++links > kMaxLinks) {
      return Error{ErrorCode::kInternal, entry_path + ": a link that cannot be followed"};
    }
    std::string link(target, size_t(n));
    std::deque<std::string> more = Components(link);
    pending.insert(pending.begin(), more.begin(), more.end());
    if (link[0] == '/') dir = std::string(1, '/');  // not = "/": GCC 12 -O2 false -Wrestrict
  }
  return dir;
}

// Why the opened file is not a KEK on a secret mount; empty when it is one. A secret mount is a
// read-only tmpfs the platform made for this container (cli/secret_mount.h): nobody in the
// container, the broker included, can change it, and nobody outside but root made it.
std::string SecretMountRefusal(int fd, const struct stat& st, const Result<std::string>& resolved) {
  if (!RunsInOwnContainer()) {
    return "such a file is accepted only from a container's read-only secret volume, inside the "
           "keybroker image (deploy/README.md)";
  }
  if (!resolved) return resolved.error().message;
  if ((st.st_mode & 022) != 0) return "group or others can write it";
  if (!OnReadOnlyMemoryMount(fd)) {
    return "it is not on a read-only tmpfs made for the container (a bind mount of a host "
           "directory keeps the host's modes)";
  }
  return "";
}

}  // namespace

Result<SecretBytes> ReadSecretFile(const std::string& path, const std::string& what,
                                   size_t max_size) {
  auto fail = [&](const std::string& why) {
    return Error{ErrorCode::kInternal, path + ": " + why};
  };
  // Resolved and checked before the file is opened: what is opened is what was checked.
  Result<std::string> resolved = ResolveThroughProtectedDirectories(path);
  struct stat link {};
  bool via_link = ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
  if (via_link && !resolved) {
    return fail(what + " is a symbolic link that is not safe to follow: " +
                resolved.error().message + ". Fix: name the file itself");
  }
  std::string file = via_link ? *resolved : path;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return fail(std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(what + " must be a regular file");
  }
  if (!TrustedOwner(st.st_uid)) {  // its owner can read it and write another key into it
    ::close(fd);
    return fail(what + " belongs to uid " + std::to_string(st.st_uid) +
                ", neither root nor the broker's user (uid " + std::to_string(::geteuid()) +
                "); refusing to use it. Fix: chown it to the broker's user, or make a new one");
  }
  if (via_link || (st.st_mode & 077) != 0) {
    if (std::string why = SecretMountRefusal(fd, st, resolved); !why.empty()) {
      ::close(fd);
      std::string refusal =
          what;  // appended: `"literal" + std::string&&` trips GCC 12's -Wrestrict
      refusal += via_link ? " is a symbolic link to " + file
                          : std::string(" is readable or writable by group or others");
      refusal += " (mode ";
      refusal += Octal(st.st_mode);
      refusal += ") and not a read-only secret mount: " + why + "; refusing to use it. Fix: ";
      refusal += via_link ? "name " + file + " itself, owner-only (chmod 600 " + file + ")"
                          : "chmod 600 " + file;
      return fail(refusal + ", or deliver it as a read-only container secret (deploy/README.md)");
    }
  }
  SecretBytes bytes(max_size + 1);  // one more, to detect a longer file
  ssize_t n = ::read(fd, bytes.mutable_span().data(), bytes.size());
  ::close(fd);
  if (n < 0) return fail(std::strerror(errno));
  if (size_t(n) > max_size)
    return fail(what + " is longer than " + std::to_string(max_size) + " bytes");
  bytes.Truncate(size_t(n));
  return bytes;
}

Result<broker::Kek> LoadKekFile(const std::string& path) {
  auto bytes = ReadSecretFile(path, "the KEK file", broker::Kek::kSize);
  if (!bytes) return std::move(bytes).error();
  if (bytes->size() != broker::Kek::kSize) {
    return Error{ErrorCode::kInternal, path + ": the KEK file must hold exactly 32 bytes"};
  }
  auto kek = broker::Kek::FromBytes(std::move(*bytes));
  if (!kek) return Error{ErrorCode::kInternal, path + ": " + kek.error().message};
  return kek;
}

}  // namespace kb::cli
