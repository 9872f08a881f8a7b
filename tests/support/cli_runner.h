#pragma once

// Runs the built `keybroker` binary for CLI tests: exit code and stdout (stderr discarded).

#include <boost/json.hpp>
#include <string>

namespace kb::testing {

struct CliRun {
  int exit_code;
  std::string out;
  boost::json::object json() const { return boost::json::parse(out).as_object(); }
};

// `args` are appended to the binary's path in a shell command line.
CliRun Keybroker(const std::string& args);

}  // namespace kb::testing
