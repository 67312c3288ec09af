// Expert info items (`_ws.expert`), Wireshark's severities and groups, so
// `-e _ws.expert.message` and filters on them work as in tshark.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dissectors/core/field_tree.h"
#include "dissectors/link/link_fields.h"

namespace mqsniff::core {

enum class Severity : uint32_t { Comment = 0x00100000, Chat = 0x00200000, Note = 0x00400000, Warn = 0x00600000, Error = 0x00800000 };
enum class ExpertGroup : uint32_t {
  Checksum = 0x01000000, Sequence = 0x02000000, ResponseCode = 0x03000000, RequestCode = 0x04000000,
  Undecoded = 0x05000000, Reassemble = 0x06000000, Malformed = 0x07000000, Debug = 0x08000000,
  Protocol = 0x09000000, Security = 0x0a000000, Comments = 0x0b000000, Decryption = 0x0c000000,
  Deprecated = 0x0e000000,
};

const char* severity_name(Severity s);
const char* group_name(ExpertGroup g);

// Adds an expert item under the current protocol. Only builds text when an
// output or filter asked for expert fields.
// `named`: the protocol's own field for this expert item (tls.resumed), if any.
// `malformed_mark`: false where the packet is marked malformed anyway (its
// _ws.malformed items come with the "[Malformed Packet]" item then).
inline void add_expert(FieldTree& t, std::string_view msg, Severity sev, ExpertGroup grp, uint32_t off = 0,
                       uint32_t len = 0, FieldId named = kNoField, bool malformed_mark = true) {
  using namespace link;
  bool any = t.wants(ws_f::expert) || t.wants(ws_f::expert_message) || t.wants(ws_f::expert_severity) ||
             t.wants(ws_f::expert_group);
  // As tshark, an item of the Malformed group also adds a hidden
  // _ws.malformed (the frame then matches the filter `_ws.malformed`, though
  // its Info gets no "[Malformed Packet]").
  const bool malformed_item = malformed_mark && grp == ExpertGroup::Malformed && t.wants(ws_f::malformed);
  if (!any && (named == kNoField || !t.wants(named))) {
    if (malformed_item) t.add_none(ws_f::malformed, 0, 0, FieldNode::kHidden);
    return;
  }
  int32_t idx = t.open(ws_f::expert, off, len);
  if (named != kNoField) {  // its line in -V is the message ("Connection establish request (SYN): server port 1883")
    const int32_t n = t.add_none(named, off, len);
    if (n >= 0) t.set_label(n, msg);
  }
  if (t.wants(ws_f::expert)) {
    std::string label = "Expert Info (";
    label += severity_name(sev);
    label += '/';
    label += group_name(grp);
    label += "): ";
    label += msg;
    t.set_label(idx, label);
  }
  t.add_string_copy(ws_f::expert_message, msg, off, len);
  t.add_uint(ws_f::expert_severity, static_cast<uint32_t>(sev), off, len);
  t.add_uint(ws_f::expert_group, static_cast<uint32_t>(grp), off, len);
  t.close();
  if (malformed_item) t.add_none(ws_f::malformed, 0, 0, FieldNode::kHidden);
}

}  // namespace mqsniff::core
