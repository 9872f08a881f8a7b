#pragma once

// Parsing of subcommand options with Boost.Program_options, shared by all subcommands.

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace kb::cli {

// The options of one command line, or the exit code when there is nothing to run: kExitOk
// after `--help` printed the help, kExitUsage after a usage error.
class ParsedOptions {
 public:
  explicit ParsedOptions(boost::program_options::variables_map vm) : vm_(std::move(vm)) {}
  static ParsedOptions Exit(int exit_code);

  explicit operator bool() const { return vm_.has_value(); }
  const boost::program_options::variables_map& operator*() const { return *vm_; }
  const boost::program_options::variables_map* operator->() const { return &*vm_; }
  // REQUIRES: !*this.
  int exit_code() const { return exit_code_; }

 private:
  ParsedOptions() = default;
  std::optional<boost::program_options::variables_map> vm_;
  int exit_code_ = 0;
};

// Parses `argv` (argv[0] is the subcommand's name and is skipped) against `options`.
// `synopsis` is the whole usage line, e.g. "keybroker serve --config FILE"; its leading words
// name the command. With -h, --help or a first argument `help`, prints the synopsis and one line
// per option to stdout; on a usage error, prints what is wrong, the synopsis and where the help
// is to stderr.
ParsedOptions ParseOptions(
    int argc, const char* const* argv, const boost::program_options::options_description& options,
    const std::string& synopsis,
    const boost::program_options::positional_options_description* positional = nullptr);

// The `--at` option if given, else the clock's now. nullopt (after a message) if unparsable.
std::optional<Time> ResolveAt(const boost::program_options::variables_map& vm, Time now);

// "a,b,,c" → {"a", "b", "c"}: the comma-separated values of one option.
std::vector<std::string> SplitList(const std::string& list);

// The option `--<option>` if given, else the environment variable `variable` if set and not
// empty (KEYBROKER_URL, KEYBROKER_CA, KEYBROKER_TOKEN): a flag overrides the environment.
std::optional<std::string> FlagOrEnvironment(const boost::program_options::variables_map& vm,
                                             const char* option, const char* variable);

}  // namespace kb::cli
