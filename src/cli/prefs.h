// Preferences (-o name:value): one table gives what each means, its default,
// how a value is checked and applied, and what `-G defaultprefs`,
// `-G currentprefs` and the man page print. Names and value forms are tshark's
// where tshark has the preference; mqsniff's own are marked as such.
#pragma once

#include <span>
#include <string>

#include "src/cli/options.h"

namespace mqsniff::cli {

struct Pref {
  const char* name;
  const char* description;  // tshark's text where the preference is tshark's
  const char* kind;         // how a value is written ("TRUE or FALSE (case-insensitive)", ...)
  bool own;                 // mqsniff's (tshark does not have it)
  // Applies `value`; returns an empty string, or what is wrong with the value.
  std::string (*set)(Options&, const std::string& value);
  std::string (*get)(const Options&);  // the default: get() of a default Options
};

std::span<const Pref> preferences();

// -o name:value (throws UsageError with tshark's wording).
void apply_preference(Options& o, const std::string& arg);

// -G defaultprefs (`o` null) and -G currentprefs (the values of this run:
// the changed ones without the leading '#'), in tshark's layout.
std::string render_prefs(const Options* o);

}  // namespace mqsniff::cli
