#include "storage/file_audit_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace kb::storage {
namespace {

Error Failed(const std::string& path, const std::string& why) {
  return Error{ErrorCode::kInternal, "audit sink " + path + ": " + why};
}

// Checked on the open descriptor, so the file checked is the file written.
Status CheckOpenedFile(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return Failed(path, "not a regular file");
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return Failed(path, "belongs to uid " + std::to_string(st.st_uid) +
                            ", neither this user nor root, who could rewrite it. Fix: chown " +
                            std::to_string(::geteuid()) + " " + path);
  }
  if ((st.st_mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    return Failed(path, std::string("writable by group or others (mode ") + mode +
                            "), who could rewrite it. Fix: chmod 600 " + path);
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<FileAuditSink>> FileAuditSink::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Failed(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error e = Failed(path, std::strerror(errno));
    ::close(fd);
    return e;
  }
  if (auto s = CheckOpenedFile(path, st); !s) {
    ::close(fd);
    return std::move(s).error();
  }
  auto sink = std::make_unique<FileAuditSink>(PrivateTag{}, path, fd, st.st_size == 0);
  if (auto s = sink->EndTornLine(st.st_size); !s) return std::move(s).error();
  return sink;
}

// A crash during a write can leave a last line without its newline: end it, so that the next
// line does not run into it (verification reports the torn line).
Status FileAuditSink::EndTornLine(off_t size) {
  if (size == 0) return Ok();
  char last = '\n';
  if (::pread(fd_, &last, 1, size - 1) != 1 || last == '\n') return Ok();
  return WriteAll("\n");
}

FileAuditSink::~FileAuditSink() { ::close(fd_); }

Status FileAuditSink::WriteAll(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Failed(path_, n < 0 ? std::strerror(errno) : "nothing written");
    text.remove_prefix(size_t(n));
  }
  return Ok();
}

Status FileAuditSink::Append(std::span<const std::string> lines) {
  std::string text;
  for (const std::string& line : lines) text.append(line).push_back('\n');
  if (text.empty()) return Ok();
  off_t before = ::lseek(fd_, 0, SEEK_END);
  if (auto s = WriteAll(text); !s) {
    // Take a partial write back, so the file never holds part of a line (best effort).
    if (before >= 0) (void)::ftruncate(fd_, before);
    return s;
  }
  // fsync, not fdatasync: the file grows, and its new size is metadata the lines need.
  if (::fsync(fd_) != 0) return Failed(path_, std::string("fsync: ") + std::strerror(errno));
  empty_ = false;
  return Ok();
}

Result<std::vector<std::string>> ReadAuditSinkFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Failed(path, "cannot be read");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  if (in.bad()) return Failed(path, "read error");
  return lines;
}

}  // namespace kb::storage
