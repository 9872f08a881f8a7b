#pragma once

// Runs the built `keybroker` binary for CLI tests: exit code and stdout (stderr discarded, or
// captured by KeybrokerWithStderr).

#include <boost/json.hpp>
#include <string>

namespace kb::testing {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;  // stderr, from KeybrokerStreams only
  boost::json::object json() const { return boost::json::parse(out).as_object(); }
};

// `args` are appended to the binary's path in a shell command line.
CliRun Keybroker(const std::string& args);

// As Keybroker, with stderr merged into `out` (the messages of exit code 2), and
// killed after 60 s (a `serve` that should have refused to start).
CliRun KeybrokerWithStderr(const std::string& args);

// As Keybroker, with stdout in `out` and stderr in `err` apart (help goes to stdout, usage
// errors to stderr), killed after 60 s.
CliRun KeybrokerStreams(const std::string& args);

}  // namespace kb::testing
