#include "cli/kek_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kb::cli {

Result<broker::Kek> LoadKekFile(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return Error{ErrorCode::kInternal, path + ": " + why};
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return fail(std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("the KEK must be a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    return fail(std::string("the KEK file is readable or writable by group or others (mode ") +
                mode + "); refusing to use it. Fix: chmod 600 " + path);
  }
  SecretBytes key(broker::Kek::kSize + 1);  // one more, to detect a longer file
  ssize_t n = ::read(fd, key.mutable_span().data(), key.size());
  ::close(fd);
  if (n != ssize_t(broker::Kek::kSize)) return fail("the KEK file must hold exactly 32 bytes");
  SecretBytes exact(key.span().first(broker::Kek::kSize));
  auto kek = broker::Kek::FromBytes(std::move(exact));
  if (!kek) return fail(kek.error().message);
  return kek;
}

}  // namespace kb::cli
