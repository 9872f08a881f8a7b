#include "cli/start_checks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/broker_assembly.h"
#include "cli/server_tls.h"
#include "cli/state_files.h"
#include "cli/storage_assembly.h"

namespace kb::cli {
namespace {

Error Refused(const std::string& message) { return Error{ErrorCode::kInternal, message}; }

// The checks FileAuditSink::Open makes, by stat alone: --check must not create the file.
Status CheckAuditSinkPath(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Refused("audit_sink: " + path + ": " + std::strerror(errno));
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir.assign(1, '.');  // not = ".": GCC 12 -O2 false -Wrestrict (PR105329)
    if (!std::filesystem::is_directory(dir)) {
      return Refused("audit_sink: " + path + ": its directory " + dir +
                     " does not exist: create it, or set audit_sink to a file in another one");
    }
    return Ok();
  }
  if (!S_ISREG(st.st_mode)) {
    return Refused("audit_sink: " + path +
                   ": not a regular file (a symbolic link is not followed): name the file itself");
  }
  if ((st.st_mode & 022) != 0) {
    return Refused("audit_sink: " + path +
                   ": group or others can write it, and could rewrite the record it anchors. "
                   "Fix: chmod 600 " +
                   path);
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return Refused("audit_sink: " + path + ": belongs to uid " + std::to_string(st.st_uid) +
                   ", neither the broker's user nor root. Fix: chown " +
                   std::to_string(::geteuid()) + " " + path);
  }
  if (::access(path.c_str(), W_OK) != 0) {
    return Refused("audit_sink: " + path + ": " + std::strerror(errno));
  }
  return Ok();
}

std::string HostPort(const Config& config) {
  bool v6 = config.listen_address.find(':') != std::string::npos;
  std::string host = v6 ? "[" + config.listen_address + "]" : config.listen_address;
  return host + ":" + std::to_string(config.listen_port);
}

std::string ListenHint(int error) {
  switch (error) {
    case EADDRINUSE:
      return "another process is listening there: stop it, or set listen.port to a free port";
    case EACCES:
      return "ports below 1024 need root or CAP_NET_BIND_SERVICE: set listen.port to 1024 or "
             "above, or grant the capability";
    case EADDRNOTAVAIL:
      return "no interface of this host has that address: set listen.address to one of its "
             "addresses (127.0.0.1 for this host only, 0.0.0.0 for all)";
    default:
      return "check listen.address and listen.port";
  }
}

}  // namespace

Result<StartChecks> CheckBeforeStart(const Config& config, void (*log)(const std::string& line)) {
  StartChecks checks;
  auto warnings = CheckStatePermissions(config);
  if (!warnings) return std::move(warnings).error();
  for (const auto& warning : *warnings) log(warning);
  if (config.keystore.type == "pkcs11") {
    // The token is opened by the start itself: here, only what a file can tell.
    if (auto pin = ReadTokenPin(config.keystore); !pin) return std::move(pin).error();
    if (::access(config.keystore.module.c_str(), R_OK) != 0) {
      return Error{ErrorCode::kInternal,
                   "keystore.module: " + config.keystore.module + ": " + std::strerror(errno)};
    }
  } else if (auto kek = LoadConfiguredKek(config); !kek) {
    return std::move(kek).error();
  }
  if (storage::IsPostgresUrl(config.database)) {  // the server itself is reached at the start
    if (auto password = ReadDatabasePassword(config); !password) {
      return std::move(password).error();
    }
  }
  broker::TrustAnchors anchors = broker::TrustAnchors::AwsNitroDefault();
  broker::AttestationKeys aks;
  if (auto s = LoadConfiguredTrust(config, anchors, aks); !s) return std::move(s).error();
  if (auto s = CheckTlsFiles(config); !s) return std::move(s).error();
  if (!config.audit_sink.empty()) {
    if (auto s = CheckAuditSinkPath(config.audit_sink); !s) return std::move(s).error();
  }
  if (!config.bootstrap_dir.empty()) {
    auto files = ReadBootstrapDir(config.bootstrap_dir);
    if (!files) {
      return Error{files.error().code, "bootstrap_dir: " + files.error().message};
    }
    checks.bootstrap = std::move(*files);
  }
  return checks;
}

Status ProbeListenAddress(const Config& config) {
  if (config.listen_port == 0) return Ok();
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, config.listen_address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(config.listen_port));
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, config.listen_address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(config.listen_port));
    length = sizeof *v6;
  } else {
    return Refused("listen.address: '" + config.listen_address +
                   "' is not an IP address (like 127.0.0.1 or ::1)");
  }
  int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Refused("listen: " + std::string(std::strerror(errno)));
  int one = 1;  // as the server sets it: a port in TIME_WAIT is not "in use"
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&storage), length);
  int error = errno;
  ::close(fd);
  if (rc == 0) return Ok();
  return Refused("cannot listen on " + HostPort(config) + ": " + std::strerror(error) + "; " +
                 ListenHint(error));
}

std::string DescribeListenFailure(const Config& config, const std::string& message) {
  return "cannot listen on " + HostPort(config) + " (" + message +
         "); check listen.address and listen.port: is another process using the port?";
}

}  // namespace kb::cli
