// Field ids of the frame pseudo-protocol and the link layers (Ethernet, 802.1Q,
// 802.1ad, Linux cooked SLL/SLL2, BSD loopback, raw IP) plus `data` and `_ws`.
#pragma once
#include "dissectors/core/field_registry.h"

namespace mqsniff::link {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace frame_f {
enum : FieldId {
  proto = field_base(Proto::Frame), time, time_epoch, time_delta, time_delta_displayed, time_relative,
  number, len, cap_len, protocols, encap_type, marked, ignored, interface_id, offset_shift,
  section_number, interface_name, interface_description, pkt_comment, comment, comment_expert,
};
}
namespace eth_f {
enum : FieldId {
  proto = field_base(Proto::Eth), dst, src, addr, type, len, lg, ig, dst_lg, dst_ig, src_lg, src_ig, trailer, padding, fcs, fcs_status, padding_bad,
  dst_resolved, dst_oui, dst_oui_resolved, src_resolved, src_oui, src_oui_resolved, addr_resolved, addr_oui,
  addr_oui_resolved,
};
}
namespace vlan_f {
enum : FieldId { proto = field_base(Proto::Vlan), priority, dei, id, etype, len, too_many_tags, trailer };
}
namespace ieee8021ad_f {
enum : FieldId { proto = field_base(Proto::Ieee8021ad), priority, dei, id, etype };
}
namespace sll_f {
enum : FieldId { proto = field_base(Proto::Sll), pkttype, hatype, halen, src_eth, src_ipv4, src_other, unused, ltype, etype, ifindex };
}
namespace null_f {
enum : FieldId { proto = field_base(Proto::Null), family, type };
}
namespace raw_f {
enum : FieldId { proto = field_base(Proto::Raw) };
}
namespace data_f {
enum : FieldId { proto = field_base(Proto::Data), data, len };
}
namespace ws_f {
// text: a tree item that is only text (tshark's text-only items: "Extension: server_name (len=14)"):
// its label is its line in -V and its key in -T json; -T ek leaves it out and keeps its children.
enum : FieldId { short_ = field_base(Proto::Ws), malformed, unreassembled, expert, expert_message, expert_severity, expert_group, text,
                 malformed_expert, unreassembled_expert };
}

}  // namespace mqsniff::link
