#pragma once

// The audit sink as a file: opened O_APPEND, every Append is one write(2) of whole lines
// followed by fsync(2). Put it where whoever can write the database cannot rewrite it (another
// filesystem, a file with the append-only attribute `chattr +a`, a log shipper's spool).

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/audit_sink.h"

namespace kb::storage {

class FileAuditSink final : public AuditSink {
  // The constructor is public for std::make_unique, but only this class can name its tag.
  struct PrivateTag {};

 public:
  // Opens `path` for appending, creating it 0600. kInternal when it is not a regular file (a
  // symbolic link is not followed), when group or others can write it, or when it belongs to
  // anyone but this process's user or root: they could rewrite the record it anchors.
  static Result<std::unique_ptr<FileAuditSink>> Open(const std::string& path);
  FileAuditSink(PrivateTag, std::string path, int fd, bool empty)
      : path_(std::move(path)), fd_(fd), empty_(empty) {}
  ~FileAuditSink() override;
  FileAuditSink(const FileAuditSink&) = delete;
  FileAuditSink& operator=(const FileAuditSink&) = delete;

  // Thread safety: callers serialise (the database lock does, Transaction::Commit).
  Status Append(std::span<const std::string> lines) override;
  bool empty() const override { return empty_; }
  const std::string& path() const { return path_; }

 private:
  Status WriteAll(std::string_view text);
  Status EndTornLine(off_t size);

  std::string path_;
  int fd_;
  bool empty_;
};

// The lines of a sink file, in order (without their newlines). kInternal if it cannot be read;
// a last line without its newline (a write cut short) is returned too.
Result<std::vector<std::string>> ReadAuditSinkFile(const std::string& path);

}  // namespace kb::storage
