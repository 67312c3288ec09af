#include "dissectors/mqtt/mqtt_fields.h"

#include <span>
#include <string>
#include <vector>

namespace mqsniff::mqtt {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types, bases and bitmasks follow tshark 4.0 (`tshark -G fields`).
static const FieldDef kMqtt[] = {
    {mqtt_f::proto, "mqtt", "MQ Telemetry Transport Protocol", FT::Protocol, Base::None, 0, 0, {}, "MQTT"},
    {mqtt_f::hdrflags, "mqtt.hdrflags", "Header Flags", FT::UInt8, Base::Hex},
    {mqtt_f::msgtype, "mqtt.msgtype", "Message Type", FT::UInt8, Base::Dec, 0xf0},
    {mqtt_f::hdr_reserved, "mqtt.hdr_reserved", "Reserved", FT::UInt8, Base::Dec, 0x0f},
    {mqtt_f::retain_reserved, "mqtt.retain_reserved", "Reserved", FT::UInt8, Base::Dec, 0x01},
    {mqtt_f::dupflag, "mqtt.dupflag", "DUP Flag", FT::Boolean, Base::None, 0x08, 8},
    {mqtt_f::qos, "mqtt.qos", "QoS Level", FT::UInt8, Base::Dec, 0x06},
    {mqtt_f::retain, "mqtt.retain", "Retain", FT::Boolean, Base::None, 0x01, 8},
    {mqtt_f::len, "mqtt.len", "Msg Len", FT::UInt64, Base::Dec},
    {mqtt_f::proto_len, "mqtt.proto_len", "Protocol Name Length", FT::UInt16, Base::Dec},
    {mqtt_f::protoname, "mqtt.protoname", "Protocol Name", FT::String},
    {mqtt_f::ver, "mqtt.ver", "Version", FT::UInt8, Base::Dec},
    {mqtt_f::conflags, "mqtt.conflags", "Connect Flags", FT::UInt8, Base::Hex},
    {mqtt_f::conflag_uname, "mqtt.conflag.uname", "User Name Flag", FT::Boolean, Base::None, 0x80, 8},
    {mqtt_f::conflag_passwd, "mqtt.conflag.passwd", "Password Flag", FT::Boolean, Base::None, 0x40, 8},
    {mqtt_f::conflag_retain, "mqtt.conflag.retain", "Will Retain", FT::Boolean, Base::None, 0x20, 8},
    {mqtt_f::conflag_qos, "mqtt.conflag.qos", "QoS Level", FT::UInt8, Base::Dec, 0x18},
    {mqtt_f::conflag_willflag, "mqtt.conflag.willflag", "Will Flag", FT::Boolean, Base::None, 0x04, 8},
    {mqtt_f::conflag_cleansess, "mqtt.conflag.cleansess", "Clean Session Flag", FT::Boolean, Base::None, 0x02, 8},
    {mqtt_f::conflag_reserved, "mqtt.conflag.reserved", "(Reserved)", FT::Boolean, Base::None, 0x01, 8},
    {mqtt_f::kalive, "mqtt.kalive", "Keep Alive", FT::UInt16, Base::Dec},
    {mqtt_f::clientid_len, "mqtt.clientid_len", "Client ID Length", FT::UInt16, Base::Dec},
    {mqtt_f::clientid, "mqtt.clientid", "Client ID", FT::String},
    {mqtt_f::willtopic_len, "mqtt.willtopic_len", "Will Topic Length", FT::UInt16, Base::Dec},
    {mqtt_f::willtopic, "mqtt.willtopic", "Will Topic", FT::String},
    {mqtt_f::willmsg_len, "mqtt.willmsg_len", "Will Message Length", FT::UInt16, Base::Dec},
    {mqtt_f::willmsg, "mqtt.willmsg", "Will Message", FT::Bytes},
    {mqtt_f::username_len, "mqtt.username_len", "User Name Length", FT::UInt16, Base::Dec},
    {mqtt_f::username, "mqtt.username", "User Name", FT::String},
    {mqtt_f::passwd_len, "mqtt.passwd_len", "Password Length", FT::UInt16, Base::Dec},
    {mqtt_f::passwd, "mqtt.passwd", "Password", FT::String},
    {mqtt_f::conack_flags, "mqtt.conack.flags", "Acknowledge Flags", FT::UInt8, Base::Hex},
    {mqtt_f::conack_flags_sp, "mqtt.conack.flags.sp", "Session Present", FT::Boolean, Base::None, 0x01, 8},
    {mqtt_f::conack_flags_reserved, "mqtt.conack.flags.reserved", "Reserved", FT::Boolean, Base::None, 0, 8},
    {mqtt_f::conack_val, "mqtt.conack.val", "Return Code", FT::UInt8, Base::Dec},
    {mqtt_f::topic_len, "mqtt.topic_len", "Topic Length", FT::UInt16, Base::Dec},
    {mqtt_f::topic, "mqtt.topic", "Topic", FT::String},
    {mqtt_f::msgid, "mqtt.msgid", "Message Identifier", FT::UInt16, Base::Dec},
    {mqtt_f::msg, "mqtt.msg", "Message", FT::Bytes},
    {mqtt_f::sub_qos, "mqtt.sub.qos", "Requested QoS", FT::UInt8, Base::Dec},
    {mqtt_f::suback_qos, "mqtt.suback.qos", "Granted QoS", FT::UInt8, Base::Dec},
    {mqtt_f::subscription_options, "mqtt.subscription_options", "Subscription Options", FT::UInt8, Base::Hex},
    {mqtt_f::subscription_options_qos, "mqtt.subscription_options_qos", "QoS", FT::UInt8, Base::Dec, 0x03},
    {mqtt_f::subscription_options_nl, "mqtt.subscription_options_nl", "No Local", FT::Boolean, Base::None, 0x04, 8},
    {mqtt_f::subscription_options_rap, "mqtt.subscription_options_rap", "Retain As Published", FT::Boolean, Base::None, 0x08, 8},
    {mqtt_f::subscription_options_retain, "mqtt.subscription_options_retain", "Retain Handling", FT::UInt8, Base::Dec, 0x30},
    {mqtt_f::subscription_options_reserved, "mqtt.subscription_options_reserved", "Reserved", FT::UInt8, Base::Hex, 0xc0},
    {mqtt_f::connack_reason_code, "mqtt.connack.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::puback_reason_code, "mqtt.puback.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::pubrec_reason_code, "mqtt.pubrec.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::pubrel_reason_code, "mqtt.pubrel.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::pubcomp_reason_code, "mqtt.pubcomp.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::suback_reason_code, "mqtt.suback.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::unsuback_reason_code, "mqtt.unsuback.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::disconnect_reason_code, "mqtt.disconnect.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::auth_reason_code, "mqtt.auth.reason_code", "Reason Code", FT::UInt8, Base::Dec},
    {mqtt_f::properties, "mqtt.properties", "Properties", FT::None},
    {mqtt_f::will_properties, "mqtt.will_properties", "Will Properties", FT::None},
    {mqtt_f::property_len, "mqtt.property_len", "Total Length", FT::UInt64, Base::Dec},
    {mqtt_f::property_id, "mqtt.property_id", "ID", FT::UInt8, Base::Hex},
    {mqtt_f::prop_number, "mqtt.prop_number", "Value", FT::UInt32, Base::Dec},
    {mqtt_f::property_content_type, "mqtt.property.content_type", "Content Type", FT::UIntString},
    {mqtt_f::property_max_qos, "mqtt.property.max_qos", "QoS", FT::UInt8, Base::Dec},
    {mqtt_f::property_topic_alias, "mqtt.property.topic_alias", "Topic Alias", FT::UInt16, Base::Dec},
    {mqtt_f::prop_unknown, "mqtt.prop_unknown", "Unknown Property", FT::String},
    {mqtt_f::prop_string_len, "mqtt.prop_string_len", "Length", FT::UInt32, Base::Dec},
    {mqtt_f::prop_string, "mqtt.prop_string", "Value", FT::String},
    {mqtt_f::prop_key_len, "mqtt.prop_key_len", "Key Length", FT::UInt32, Base::Dec},
    {mqtt_f::prop_key, "mqtt.prop_key", "Key", FT::String},
    {mqtt_f::prop_value_len, "mqtt.prop_value_len", "Value Length", FT::UInt32, Base::Dec},
    {mqtt_f::prop_value, "mqtt.prop_value", "Value", FT::String},
    {mqtt_f::illegal_topic_length, "mqtt.illegal_topic_length", "Length cannot be 0", FT::None},
    {mqtt_f::unknown_version, "mqtt.unknown_version", "Unknown version (missing the CONNECT packet?)", FT::None},
    {mqtt_f::unknown_topic_alias, "mqtt.unknown_topic_alias", "Unknown topic alias", FT::None},
};

// Per-property fields: generated once from the MQTT 5.0 §2.2.2.2 table.
struct PropSpec {
  uint8_t id;
  const char* name;   // filter name suffix
  const char* label;
  FT type;
};
static const PropSpec kProps[] = {
    {0x01, "payload_format_indicator", "Payload Format Indicator", FT::UInt8},
    {0x02, "message_expiry_interval", "Message Expiry Interval", FT::UInt32},
    {0x03, "content_type", "Content Type", FT::String},
    {0x08, "response_topic", "Response Topic", FT::String},
    {0x09, "correlation_data", "Correlation Data", FT::Bytes},
    {0x0b, "subscription_identifier", "Subscription Identifier", FT::UInt32},
    {0x11, "session_expiry_interval", "Session Expiry Interval", FT::UInt32},
    {0x12, "assigned_client_identifier", "Assigned Client Identifier", FT::String},
    {0x13, "server_keep_alive", "Server Keep Alive", FT::UInt16},
    {0x15, "authentication_method", "Authentication Method", FT::String},
    {0x16, "authentication_data", "Authentication Data", FT::Bytes},
    {0x17, "request_problem_information", "Request Problem Information", FT::UInt8},
    {0x18, "will_delay_interval", "Will Delay Interval", FT::UInt32},
    {0x19, "request_response_information", "Request Response Information", FT::UInt8},
    {0x1a, "response_information", "Response Information", FT::String},
    {0x1c, "server_reference", "Server Reference", FT::String},
    {0x1f, "reason_string", "Reason String", FT::String},
    {0x21, "receive_maximum", "Receive Maximum", FT::UInt16},
    {0x22, "topic_alias_maximum", "Topic Alias Maximum", FT::UInt16},
    {0x23, "topic_alias", "Topic Alias", FT::UInt16},
    {0x24, "maximum_qos", "Maximum QoS", FT::UInt8},
    {0x25, "retain_available", "Retain Available", FT::UInt8},
    {0x26, "user_property", "User Property (key=value)", FT::String},
    {0x27, "maximum_packet_size", "Maximum Packet Size", FT::UInt32},
    {0x28, "wildcard_subscription_available", "Wildcard Subscription Available", FT::UInt8},
    {0x29, "subscription_identifier_available", "Subscription Identifier Available", FT::UInt8},
    {0x2a, "shared_subscription_available", "Shared Subscription Available", FT::UInt8},
};

std::span<const FieldDef> mqtt_field_table() {
  static const std::vector<FieldDef> all = [] {
    std::vector<FieldDef> v(std::begin(kMqtt), std::end(kMqtt));
    v.push_back({mqtt_f::topic_alias_resolved, "mqtt.topic_alias_resolved", "Topic resolved from its alias",
                 FT::Boolean, Base::None, 0, 0,
                 "mqtt.topic of this PUBLISH was not on the wire: it comes from an earlier Topic Alias"});
    v.push_back({mqtt_f::version_inferred, "mqtt.version_inferred", "Protocol version inferred", FT::UInt8, Base::Dec, 0,
                 0, "No CONNECT seen: the protocol level was inferred from the packets or the default preference"});
    // QoS flow analysis (dissectors/mqtt/mqtt_analysis.h).
    v.push_back({mqtt_f::analysis_response_to, "mqtt.analysis.response_to", "This is a response to the PUBLISH in frame",
                 FT::FrameNum, Base::None, 0, 0, "PUBACK/PUBREC/PUBREL/PUBCOMP: the frame of the PUBLISH it acknowledges"});
    v.push_back({mqtt_f::analysis_time, "mqtt.analysis.time", "Time since the PUBLISH", FT::RelativeTime, Base::None, 0,
                 0, "On PUBACK (QoS 1) and PUBCOMP (QoS 2): the flow's completion latency"});
    v.push_back({mqtt_f::analysis_retransmission, "mqtt.analysis.retransmission", "Retransmission", FT::Boolean,
                 Base::None, 0, 0, "A PUBLISH with the DUP flag, or a repeated PUBREC/PUBREL"});
    v.push_back({mqtt_f::analysis_incomplete, "mqtt.analysis.incomplete", "Incomplete flow of the PUBLISH in frame",
                 FT::FrameNum, Base::None, 0, 0,
                 "The QoS flow of that PUBLISH never completed (on a PUBLISH reusing its identifier; with -2 on it too)"});
    v.push_back({mqtt_f::analysis_unmatched, "mqtt.analysis.unmatched", "Acknowledges no captured PUBLISH", FT::Boolean,
                 Base::None, 0, 0, "The PUBLISH this acknowledgement answers was not captured (or not in flight)"});
    v.push_back({mqtt_f::analysis_response_in, "mqtt.analysis.response_in", "The flow completes in frame",
                 FT::FrameNum, Base::None, 0, 0,
                 "With -2: on a PUBLISH, the PUBACK (QoS 1) or PUBCOMP (QoS 2) that completed its flow"});
    v.push_back({mqtt_f::analysis_abandoned, "mqtt.analysis.abandoned", "Open QoS flows abandoned", FT::UInt32,
                 Base::Dec, 0, 0,
                 "On a CONNACK with Session Present 0 to a client resuming its session: its open QoS flows are dropped"});
    // Keep Alive (MQTT §3.1.2.10) and subscriptions, per connection / session.
    v.push_back({mqtt_f::analysis_keepalive_late, "mqtt.analysis.keepalive_late", "Client silent longer than its Keep Alive",
                 FT::RelativeTime, Base::None, 0, 0,
                 "On a client packet: the silence before it, when over 1.1 x Keep Alive (5.0: the Server Keep Alive)"});
    v.push_back({mqtt_f::analysis_keepalive_expired, "mqtt.analysis.keepalive_expired",
                 "Silence over 1.5 x Keep Alive: the broker should have closed the connection", FT::Boolean, Base::None,
                 0, 0, "The client stayed silent past 1.5 x Keep Alive, and the connection was still open"});
    v.push_back({mqtt_f::analysis_ping_response_to, "mqtt.analysis.ping_response_to", "Response to the PINGREQ in frame",
                 FT::FrameNum, Base::None, 0, 0, "On a PINGRESP: the frame of the PINGREQ it answers"});
    v.push_back({mqtt_f::analysis_ping_time, "mqtt.analysis.ping_time", "Time since the PINGREQ", FT::RelativeTime,
                 Base::None, 0, 0, "On a PINGRESP: the round trip of the ping"});
    v.push_back({mqtt_f::analysis_ping_unanswered, "mqtt.analysis.ping_unanswered",
                 "The previous PINGREQ, never answered, in frame", FT::FrameNum, Base::None, 0, 0,
                 "On a PINGREQ: the earlier PINGREQ that got no PINGRESP"});
    v.push_back({mqtt_f::analysis_subscription, "mqtt.analysis.subscription", "Delivered for the subscription",
                 FT::String, Base::None, 0, 0,
                 "On a PUBLISH from the broker: the client's topic filters (its SUBSCRIBEs in the capture) that match "
                 "its topic"});
    static std::vector<std::string> names;  // stable storage for generated names
    names.reserve(2 * std::size(kProps) * 2);
    for (int will = 0; will < 2; ++will) {
      for (const auto& p : kProps) {
        names.push_back(std::string(will ? "mqtt.willprop." : "mqtt.prop.") + p.name);
        names.push_back(std::string(will ? "Will " : "") + p.label);
        FieldId id = static_cast<FieldId>((will ? mqtt_f::willprop_first : mqtt_f::prop_first) + p.id);
        bool num = p.type != FT::String && p.type != FT::Bytes;
        v.push_back({id, names[names.size() - 2], names.back(), p.type, num ? Base::Dec : Base::None});
      }
    }
    return v;
  }();
  return all;
}

}  // namespace mqsniff::mqtt
