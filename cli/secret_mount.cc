#include "cli/secret_mount.h"

#include <sys/statvfs.h>

#include <cstdlib>
#include <string_view>

namespace kb::cli {

bool RunsInOwnContainer() {
  const char* value = std::getenv(kContainerVariable);
  return value != nullptr && std::string_view(value) == "1";
}

bool OnReadOnlyMount(const std::string& path) {
  struct statvfs vfs {};
  return ::statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

}  // namespace kb::cli
