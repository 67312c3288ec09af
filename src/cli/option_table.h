// Every command-line option, described once: --help, the man page mqsniff(1)
// and the bash completion are all generated from this table, and a unit test
// checks it against the option parser's own (getopt) tables, so none of them
// can drift from what the parser accepts.
#pragma once

#include <span>
#include <string>

namespace mqsniff::cli {

// What the argument of an option is (for completion).
enum class ArgKind : uint8_t {
  None, File, OutFile, Interface, DisplayFilter, Field, Stat, Pref, Protocol, Choice, Text,
};

struct OptionSpec {
  char short_name;        // 0: long only
  const char* long_name;  // nullptr: short only
  const char* arg;        // "<interface>", nullptr: no argument
  const char* section;    // --help / man page heading
  const char* help;       // --help text (one line, or lines separated by \n)
  const char* man;        // man page paragraph (nullptr: the help text)
  ArgKind kind;
  const char* choices;    // ArgKind::Choice: the values, space-separated
};

std::span<const OptionSpec> option_specs();

// The -z statistics, with a one-line description each (help, man, completion).
struct StatSpec {
  const char* name;  // "mqtt,qos"
  const char* help;
};
std::span<const StatSpec> stat_specs();

std::string usage_text();
std::string man_page();         // roff: mqsniff(1)
std::string bash_completion();  // a bash completion script

}  // namespace mqsniff::cli
