// MQTT topic names and topic filters (MQTT 3.1.1 §4.7, 5.0 §4.7-4.8): the
// matching rules the broker applies, shared by the analyses, the statistics
// and the display filter's matches_topic operator.
#pragma once
#include <string_view>

namespace mqsniff::mqtt {

// Does topic filter `filter` match topic name `topic`? '+' one level, '#' the
// level it stands on and all below ("a/#" matches "a"); a topic starting with
// '$' is not matched by a leading wildcard (§4.7.2); a topic holding '+' or
// '#' is a filter, not a publication, and matches nothing.
bool topic_matches(std::string_view filter, std::string_view topic);

// A shared subscription (5.0 §4.8.2) "$share/GROUP/FILTER": its group and
// filter; any other filter is returned whole with an empty group.
struct SharedFilter {
  std::string_view group, filter;
};
SharedFilter split_shared(std::string_view filter);

// §1.5.4: a string is well-formed UTF-8 without U+0000.
bool valid_string(std::string_view s);
// A topic name a PUBLISH may carry: not empty, no wildcard.
bool valid_topic_name(std::string_view topic);
// A topic filter: not empty, '+' and '#' each a whole level, '#' the last.
bool valid_topic_filter(std::string_view filter);

}  // namespace mqsniff::mqtt
