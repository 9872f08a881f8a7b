#pragma once

// Parsing of subcommand options with Boost.Program_options, shared by all subcommands.

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace kb::cli {

// Parses `argv` (without the program and subcommand names) against `options`. On a usage error
// prints it with the options' help to stderr and returns nullopt.
std::optional<boost::program_options::variables_map> ParseOptions(
    int argc, const char* const* argv, const boost::program_options::options_description& options,
    const std::string& synopsis,
    const boost::program_options::positional_options_description* positional = nullptr);

// The `--at` option if given, else the clock's now. nullopt (after a message) if unparsable.
std::optional<Time> ResolveAt(const boost::program_options::variables_map& vm, Time now);

// "a,b,,c" → {"a", "b", "c"}: the comma-separated values of one option.
std::vector<std::string> SplitList(const std::string& list);

}  // namespace kb::cli
