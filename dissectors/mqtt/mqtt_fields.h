// Field ids of MQTT (tshark 4.0's mqtt.* names).
#pragma once
#include "dissectors/core/field_registry.h"

namespace mqsniff::mqtt {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace mqtt_f {
enum : FieldId {
  proto = field_base(Proto::Mqtt), hdrflags, msgtype, hdr_reserved, retain_reserved, dupflag, qos, retain, len,
  proto_len, protoname, ver, conflags, conflag_uname, conflag_passwd, conflag_retain, conflag_qos, conflag_willflag,
  conflag_cleansess, conflag_reserved, kalive, clientid_len, clientid, willtopic_len, willtopic, willmsg_len, willmsg,
  username_len, username, passwd_len, passwd, conack_flags, conack_flags_sp, conack_flags_reserved, conack_val,
  topic_len, topic, msgid, msg, sub_qos, suback_qos, subscription_options, subscription_options_qos,
  subscription_options_nl, subscription_options_rap, subscription_options_retain, subscription_options_reserved,
  connack_reason_code, puback_reason_code, pubrec_reason_code, pubrel_reason_code, pubcomp_reason_code,
  suback_reason_code, unsuback_reason_code, disconnect_reason_code, auth_reason_code, properties, will_properties,
  property_len, property_id, prop_number, property_content_type, property_max_qos, property_topic_alias,
  prop_unknown, prop_string_len, prop_string, prop_key_len, prop_key, prop_value_len, prop_value,
  illegal_topic_length, unknown_version, unknown_topic_alias,
  // mqsniff's own (not in tshark 4.0): one named field per 5.0 property, for
  // the packet's properties (prop_*) and the CONNECT Will properties (willprop_*).
  topic_alias_resolved, version_inferred,
  analysis_response_to, analysis_time, analysis_retransmission, analysis_incomplete, analysis_unmatched,
  analysis_response_in, analysis_abandoned, analysis_keepalive_late, analysis_keepalive_expired,
  analysis_ping_response_to, analysis_ping_time, analysis_ping_unanswered, analysis_subscription,
  prop_first,
  prop_last = prop_first + 0x2a,            // indexed by property identifier
  willprop_first,
  willprop_last = willprop_first + 0x2a,
};
}

}  // namespace mqsniff::mqtt
