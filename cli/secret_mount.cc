#include "cli/secret_mount.h"

#include <linux/magic.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

#include <cstdlib>
#include <string_view>

namespace kb::cli {
namespace {

bool ReadOnlyInMemory(const struct statfs& fs) {
  bool in_memory = fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
  return in_memory && (fs.f_flags & ST_RDONLY) != 0;
}

}  // namespace

bool RunsInOwnContainer() {
  const char* value = std::getenv(kContainerVariable);
  return value != nullptr && std::string_view(value) == "1";
}

bool OnReadOnlyMemoryMount(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && ReadOnlyInMemory(fs);
}

bool OnReadOnlyMemoryMount(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && ReadOnlyInMemory(fs);
}

}  // namespace kb::cli
