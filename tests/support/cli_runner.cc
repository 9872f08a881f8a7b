#include "tests/support/cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kb::testing {

namespace {

CliRun Run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

CliRun Keybroker(const std::string& args) {
  return Run(std::string(KB_BINARY) + " " + args + " 2>/dev/null");
}

CliRun KeybrokerWithStderr(const std::string& args) {
  return Run("timeout 60 " + std::string(KB_BINARY) + " " + args + " 2>&1");
}

CliRun KeybrokerStreams(const std::string& args) {
  char path[] = "/tmp/kb-stderr.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {-1, "", "mkstemp failed"};
  close(fd);
  CliRun run = Run("timeout 60 " + std::string(KB_BINARY) + " " + args + " 2>" + path);
  std::ostringstream err;
  err << std::ifstream(path).rdbuf();
  run.err = err.str();
  unlink(path);
  return run;
}

}  // namespace kb::testing
