#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "src/cli/option_table.h"
#include "src/cli/options.h"

using namespace mqsniff::cli;

namespace {
Options parse_args(std::vector<std::string> args) {
  args.insert(args.begin(), "mqsniff");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse(static_cast<int>(args.size()), argv.data());
}
std::string error_of(std::vector<std::string> args) {
  try {
    parse_args(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("cli: the lab sheet's command line parses") {
  Options o = parse_args({"-i", "enp0s3", "-Y", "mqtt", "-T", "fields", "-e", "mqtt.topic"});
  CHECK(o.interfaces == std::vector<std::string>{"enp0s3"});
  CHECK(o.display_filter == "mqtt");
  CHECK(o.format == OutputFormat::Fields);
  CHECK(o.fields == std::vector<std::string>{"mqtt.topic"});
}

TEST_CASE("cli: attached option values and -E options") {
  Options o = parse_args({"-r", "x.pcap", "-Tfields", "-etcp.port", "-E", "header=y", "-E", "separator=/s",
                          "-E", "quote=d", "-E", "occurrence=f", "-E", "aggregator=;", "-c", "10", "-l", "-n"});
  CHECK(o.read_file == "x.pcap");
  CHECK(o.fields == std::vector<std::string>{"tcp.port"});
  CHECK(o.fopts.header);
  CHECK(o.fopts.separator == " ");
  CHECK(o.fopts.quote == '"');
  CHECK(o.fopts.occurrence == 'f');
  CHECK(o.fopts.aggregator == ";");
  CHECK(o.count == 10);
  CHECK(o.line_buffered);
}

TEST_CASE("cli: tshark's error messages") {
  CHECK(error_of({"-T", "fields"}) == "\"-Tfields\" was specified, but no fields were specified with \"-e\".");
  CHECK(error_of({"-c", "abc"}) == "The specified packet count \"abc\" isn't a decimal number");
  CHECK(error_of({"-T", "foo"}).rfind("Invalid -T parameter \"foo\"; it must be one of:", 0) == 0);
  CHECK(error_of({"-t", "zz"}).rfind("Invalid time stamp type \"zz\"", 0) == 0);
  CHECK(error_of({"-E", "occurrence=2", "-T", "fields", "-e", "x"}).rfind("\"occurrence=2\" is not a valid field output option=value pair.", 0) == 0);
  CHECK(error_of({"-K"}) == "invalid option -- 'K'");
  CHECK(error_of({"-r"}) == "option requires an argument -- 'r'");
  CHECK(error_of({"-o", "tcp.max_flows:0"}).find("tcp.max_flows") != std::string::npos);
}

TEST_CASE("cli: trailing arguments are a capture filter, -G must come first") {
  Options o = parse_args({"-r", "x.pcap", "tcp", "port", "1883"});
  CHECK(o.capture_filter == "tcp port 1883");
  CHECK(parse_args({"-G", "fields"}).glossary == "fields");
  CHECK(error_of({"-r", "x", "-G", "fields"}) == "-G only valid as first option");
}

TEST_CASE("cli: preferences") {
  Options o = parse_args({"-o", "tcp.max_flows:1000", "-o", "mqtt.default_version:5"});
  CHECK(o.max_tcp_flows == 1000);
  CHECK(o.prefs.size() == 2);
  CHECK(error_of({"-o", "nocolon"}) == "Invalid -o flag \"nocolon\"");
  CHECK(error_of({"-o", "foo.bar:1"}).starts_with("-o flag \"foo.bar:1\" specifies unknown preference"));
  CHECK(error_of({"-o", "tcp.max_flows:0"}).find("has an invalid value") != std::string::npos);
  Options t = parse_args({"-o", "mqtt.default_version:MQTT v3.1.1", "-o", "ssl.keylog_file:k.log", "-o", "mqtt.show_msg_as_text:TRUE"});
  CHECK(t.mqtt_default_version == 4);
  CHECK(t.keylog_file == "k.log");
  CHECK(t.mqtt_msg_as_text);
}

TEST_CASE("cli: the option table (--help, man page, completion) covers exactly what the parser accepts") {
  using mqsniff::cli::option_specs;
  std::string shorts = mqsniff::cli::parser_short_options();
  std::vector<std::string> longs = mqsniff::cli::parser_long_options();
  // Every option the parser takes is documented, with an argument exactly when it takes one.
  for (size_t i = 0; i < shorts.size(); ++i) {
    char c = shorts[i];
    if (c == ':') continue;
    bool takes_arg = i + 1 < shorts.size() && shorts[i + 1] == ':';
    const mqsniff::cli::OptionSpec* spec = nullptr;
    for (const auto& o : option_specs())
      if (o.short_name == c) spec = &o;
    CHECK_MESSAGE(spec != nullptr, "-" << c << " is not in the option table");
    if (spec) CHECK_MESSAGE((spec->arg != nullptr) == takes_arg, "-" << c << ": argument mismatch");
  }
  for (const auto& l : longs) {
    bool found = false;
    for (const auto& o : option_specs()) found |= o.long_name && l == o.long_name;
    CHECK_MESSAGE(found, "--" << l << " is not in the option table");
  }
  // And the table documents nothing the parser does not take.
  for (const auto& o : option_specs()) {
    if (o.short_name) CHECK_MESSAGE(shorts.find(o.short_name) != std::string::npos, "-" << o.short_name << " documented, not parsed");
    if (o.long_name) CHECK_MESSAGE(std::find(longs.begin(), longs.end(), std::string(o.long_name)) != longs.end(),
                                   "--" << o.long_name << " documented, not parsed");
  }
  // --help, the man page and the completion all name every option.
  std::string help = mqsniff::cli::usage_text(), man = mqsniff::cli::man_page(), comp = mqsniff::cli::bash_completion();
  for (const auto& o : option_specs()) {
    std::string s = o.short_name ? std::string("-") + o.short_name : std::string("--") + o.long_name;
    std::string roff;
    for (char c : s) roff += c == '-' ? std::string("\\-") : std::string(1, c);
    CHECK_MESSAGE(help.find("  " + s) != std::string::npos, s << " missing from --help");
    CHECK_MESSAGE(man.find(roff) != std::string::npos, s << " missing from the man page");
    CHECK_MESSAGE(comp.find(" " + s) != std::string::npos, s << " missing from the completion");
  }
  CHECK(man.find(".SH PREFERENCES") != std::string::npos);
  CHECK(man.find("mqtt.show_msg_as_text") != std::string::npos);
}
