// Field values as text, in tshark's `-T fields` conventions: integers in
// decimal (BASE_HEX fields as 0x + type-width digits, bitmask fields shifted),
// booleans 1/0, bytes as contiguous lowercase hex (empty: <MISSING>), times
// as tshark prints them, value strings never used.
#pragma once

#include <string>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/field_tree.h"

namespace mqsniff::out {

void append_field_value(std::string& out, const core::FieldDef& def, const core::FieldNode& node);
// "Nov 24, 2026 05:34:34.343525000 UTC" in local time (frame.time).
void append_abs_time(std::string& out, core::Timestamp t);
// "0.498568000" with `digits` fractional digits (negative values keep the sign).
void append_rel_time(std::string& out, core::Timestamp t, int digits = 9);
// tshark's FT_STRING display: \n, \t, \r ... escaped, invalid UTF-8 as U+FFFD.
// raw_controls: CR, LF and TAB kept as they are (tshark's JSON writes them raw, JSON-escaped).
void append_display_string(std::string& out, std::string_view s, bool raw_controls = false);

}  // namespace mqsniff::out
