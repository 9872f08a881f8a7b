#pragma once

// Help and usage errors, the same for every command: `-h`, `--help` and `help` print the help
// to stdout and exit 0; a usage error prints what is wrong and where the help is to stderr and
// exits 2, without the whole usage.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/positional_options.hpp>
#include <span>
#include <string>
#include <string_view>

namespace kb::cli {

// "-h", "--help" or "help".
bool IsHelpWord(std::string_view word);

// Whether an argument after argv[0] is -h or --help (arguments after "--" do not count).
bool AsksForHelp(int argc, const char* const* argv);

// One line per option, "  --name VALUE  description (default: D)", aligned, and a last line for
// -h/--help. Options bound to positional arguments (`positional`) are left out: the synopsis
// shows them.
std::string FormatOptions(
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description* positional = nullptr);

// One option as its help row: "--url URL" and its description, with "(default: D)" if it has one.
std::pair<std::string, std::string> OptionRow(const boost::program_options::option_description&);

// `rows` as two aligned columns, each row on one line, indented by two spaces.
std::string FormatColumns(std::span<const std::pair<std::string, std::string>> rows);

// Prints `text` to stdout; returns kExitOk.
int PrintHelp(const std::string& text);

// Prints "<command>: <message>" and "Run '<command> --help' for help." to stderr; returns
// kExitUsage.
int UsageErrorFor(std::string_view command, const std::string& message);

// "keybroker policy check" from "keybroker policy check [--reference FILE]... FILE...": the
// leading words of lowercase letters and hyphens.
std::string CommandOfSynopsis(std::string_view synopsis);

// One verb of a command group (`keybroker policy check`) or one command of `keybroker`.
struct Verb {
  std::string_view name;
  std::string_view summary;  // one line
};

// For a group such as "keybroker policy" whose verb `given` it does not run: the group's help
// (its verbs, one line each) on stdout for a help word; otherwise a usage error naming the verbs.
int VerbHelpOrError(std::string_view group, std::span<const Verb> verbs, std::string_view given);

// The group's help text: usage line, verbs, `more` (e.g. the environment), pointer to the verbs'
// own help.
std::string VerbHelp(std::string_view group, std::span<const Verb> verbs,
                     std::string_view more = "");

}  // namespace kb::cli
