#include "cli/state_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "cli/secret_mount.h"
#include "storage/pg/pg_database.h"

namespace kb::cli {
namespace {

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", unsigned(mode & 07777));
  return text;
}

std::string Parent(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// The file's mode; nullopt when it does not exist.
Result<std::optional<mode_t>> ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<mode_t>();
    return Error{ErrorCode::kInternal, path + ": " + std::strerror(errno)};
  }
  return std::optional<mode_t>(st.st_mode);
}

// Whoever owns a state file can rewrite it, whatever its mode: it must be the broker's own user
// or root.
Status CheckOwner(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return Error{ErrorCode::kInternal, path + ": " + std::strerror(errno)};
  }
  if (st.st_uid == 0 || st.st_uid == ::geteuid()) return Ok();
  return Error{ErrorCode::kInternal,
               path + ": " + what + " belongs to uid " + std::to_string(st.st_uid) +
                   ", neither the broker's user (uid " + std::to_string(::geteuid()) +
                   ") nor root, who could rewrite it; refusing to start. Fix: chown " +
                   std::to_string(::geteuid()) + " " + path};
}

Status CheckDatabaseFile(const std::string& path, std::vector<std::string>& warnings) {
  if (auto s = CheckOwner(path, "the database"); !s) return s;
  auto mode = ModeOf(path);
  if (!mode) return std::move(mode).error();
  if (!*mode) return Ok();
  if ((**mode & 022) != 0) {
    return Error{ErrorCode::kInternal,
                 path + ": the database is writable by group or others (mode " + Octal(**mode) +
                     "), who could rewrite references, policies and principals; refusing to "
                     "start. Fix: chmod 600 " +
                     path};
  }
  if ((**mode & 044) != 0) {
    warnings.push_back("WARNING: " + path + " is readable by group or others (mode " +
                       Octal(**mode) + "); chmod 600 it");
  }
  return Ok();
}

Status CheckDirectory(const std::string& dir) {
  if (auto s = CheckOwner(dir, "the directory holding the broker's state"); !s) return s;
  auto mode = ModeOf(dir);
  if (!mode) return std::move(mode).error();
  if (!*mode || (**mode & 022) == 0) return Ok();
  // A Kubernetes secret volume is a read-only tmpfs of mode 1777: nobody can write it, but only
  // in a container is "read-only to the broker" also read-only to everyone (cli/secret_mount.h).
  if (RunsInOwnContainer() && OnReadOnlyMemoryMount(dir)) return Ok();
  return Error{ErrorCode::kInternal,
               dir +
                   ": the directory holding the broker's state is writable by group or others "
                   "(mode " +
                   Octal(**mode) +
                   "), who could replace the database or the KEK; "
                   "refusing to start. Fix: chmod 700 " +
                   dir};
}

}  // namespace

Status MakeStateDirectory(const std::string& dir) {
  auto fail = [&] { return Error{ErrorCode::kInternal, dir + ": " + std::strerror(errno)}; };
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  std::filesystem::path path(trimmed);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (::mkdir(trimmed.c_str(), 0700) != 0) {
    if (errno == EEXIST) return Ok();
    return fail();
  }
  if (::chmod(trimmed.c_str(), 0700) != 0) return fail();  // the umask may have narrowed it
  return Ok();
}

Result<std::vector<std::string>> CheckStatePermissions(const Config& config) {
  std::vector<std::string> warnings;
  // A PostgreSQL database is the server's to protect; only a SQLite file is checked here.
  bool sqlite = !storage::IsPostgresUrl(config.database);
  std::vector<std::string> dirs = {config.data_dir, Parent(config.kek_file)};
  if (sqlite) dirs.push_back(Parent(config.database));
  for (const auto& dir : dirs) {
    if (auto s = CheckDirectory(dir); !s) return std::move(s).error();
  }
  if (auto s = CheckOwner(config.kek_file, "the KEK file"); !s) return std::move(s).error();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (!sqlite) break;
    if (auto s = CheckDatabaseFile(config.database + suffix, warnings); !s) {
      return std::move(s).error();
    }
  }
  return warnings;
}

}  // namespace kb::cli
