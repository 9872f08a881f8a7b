#include "cli/help.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "cli/cli_io.h"

namespace kb::cli {
namespace {

namespace po = boost::program_options;

// The longest first column that still aligns the second; longer names push only their own line.
constexpr size_t kMaxColumn = 40;

bool IsPositional(const std::string& name, const po::positional_options_description* positional) {
  if (positional == nullptr) return false;
  // An unlimited positional (add(name, -1)) names every position; the first few tell.
  for (unsigned i = 0; i < std::min(positional->max_total_count(), 16u); ++i) {
    if (positional->name_for_position(i) == name) return true;
  }
  return false;
}

// What an option's value looks like, by the option's name, where Boost would say "arg".
std::string Placeholder(const std::string& name) {
  static constexpr std::pair<std::string_view, std::string_view> kPlaceholders[] = {
      {"url", "URL"},         {"ca", "PEM"},         {"cert", "PEM"},
      {"key", "PEM"},         {"public-key", "PEM"}, {"private-key", "PEM"},
      {"trust-root", "PEM"},  {"ak", "FILE"},        {"ca-dir", "DIR"},
      {"dev-attest", "DIR"},  {"nonce", "HEX"},      {"user-data", "HEX"},
      {"pcr", "N=HEX"},       {"at", "RFC3339"},     {"ttl", "DURATION"},
      {"roles", "LIST"},      {"admins", "A,B,..."}, {"operations", "LIST"},
      {"version", "V"},       {"after", "N"},        {"limit", "N"},
      {"id", "ID"},           {"key-id", "ID"},      {"name", "NAME"},
      {"actor", "NAME"},      {"source", "TEXT"},    {"description", "TEXT"},
      {"token", "TOKEN"},     {"type", "TYPE"},      {"platform", "PLATFORM"},
      {"purpose", "PURPOSE"}, {"format", "FORMAT"},  {"attestation-required", "true|false"},
  };
  for (const auto& [option, placeholder] : kPlaceholders) {
    if (option == name) return std::string(placeholder);
  }
  return "FILE";  // db, kek, config, file, evidence, policy, out, ...: every other value is a file
}

}  // namespace

// "--url URL" and "... (default: https://...)" from Boost's "URL (=https://...)".
std::pair<std::string, std::string> OptionRow(const po::option_description& option) {
  std::string parameter = option.format_parameter();
  std::string description = option.description();
  size_t default_at = parameter.find(" (=");
  if (default_at != std::string::npos && parameter.back() == ')') {
    std::string value = parameter.substr(default_at + 3, parameter.size() - default_at - 4);
    parameter.resize(default_at);
    description += " (default: " + value + ")";
  }
  if (parameter == "arg") parameter = Placeholder(option.long_name());
  std::string name = "--" + option.long_name();
  if (!parameter.empty()) name += " " + parameter;
  return {name, description};
}

bool IsHelpWord(std::string_view word) {
  return word == "-h" || word == "--help" || word == "help";
}

bool AsksForHelp(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "-h" || arg == "--help") return true;
  }
  return false;
}

std::string FormatColumns(std::span<const std::pair<std::string, std::string>> rows) {
  size_t width = 0;
  for (const auto& [first, second] : rows) {
    if (first.size() <= kMaxColumn) width = std::max(width, first.size());
  }
  std::string out;
  for (const auto& [first, second] : rows) {
    std::string line = "  " + first;
    if (!second.empty()) {
      line += std::string(first.size() < width ? width - first.size() : 0, ' ') + "  " + second;
    }
    out += line + "\n";
  }
  return out;
}

std::string FormatOptions(const po::options_description& options,
                          const po::positional_options_description* positional) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& option : options.options()) {
    if (IsPositional(option->long_name(), positional)) continue;
    rows.push_back(OptionRow(*option));
  }
  rows.emplace_back("-h, --help", "print this help");
  return FormatColumns(rows);
}

int PrintHelp(const std::string& text) {
  std::cout << text;
  return kExitOk;
}

int UsageErrorFor(std::string_view command, const std::string& message) {
  std::cerr << command << ": " << message << "\nRun '" << command << " --help' for help.\n";
  return kExitUsage;
}

std::string CommandOfSynopsis(std::string_view synopsis) {
  std::string command;
  size_t start = 0;
  while (start < synopsis.size()) {
    size_t end = std::min(synopsis.find(' ', start), synopsis.size());
    std::string_view word = synopsis.substr(start, end - start);
    bool is_name = !word.empty() && word[0] != '-' &&
                   std::all_of(word.begin(), word.end(),
                               [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
    if (!is_name) break;
    if (!command.empty()) command += ' ';
    command += word;
    start = end + 1;
  }
  return command;
}

std::string VerbHelp(std::string_view group, std::span<const Verb> verbs, std::string_view more) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Verb& verb : verbs) rows.emplace_back(verb.name, verb.summary);
  std::string g(group);
  return "usage: " + g + " <command> [options]\n\ncommands:\n" + FormatColumns(rows) +
         std::string(more) + "\nRun '" + g + " <command> --help' for a command's options.\n";
}

int VerbHelpOrError(std::string_view group, std::span<const Verb> verbs, std::string_view given) {
  if (IsHelpWord(given)) return PrintHelp(VerbHelp(group, verbs));
  std::string names;
  for (const Verb& verb : verbs) names += (names.empty() ? "" : ", ") + std::string(verb.name);
  if (given.empty()) return UsageErrorFor(group, "which command? one of " + names);
  return UsageErrorFor(group,
                       "unknown command '" + std::string(given) + "'; the commands are " + names);
}

}  // namespace kb::cli
