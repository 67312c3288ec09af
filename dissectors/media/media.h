// Payload formats a Content-Type hands on to (tshark's media_type table)
// beyond JSON and text lines: HTML form data (application/x-www-form-urlencoded,
// "urlencoded-form") and CBOR (RFC 8949, "cbor"). Used for MQTT 5.0 payloads
// with a Content Type and for HTTP bodies.
#pragma once
#include <span>
#include <string_view>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"

namespace mqsniff::media {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace form_f {
enum : FieldId { proto = field_base(Proto::UrlencodedForm), key, value };
}
namespace cbor_f {
enum : FieldId {
  proto = field_base(Proto::Cbor), major_type, size, length, items, pairs, float_simple_type, item_uint, item_nint,
  item_textstring, item_bytestring, item_array, item_map, item_tag, item_float_simple, type_uint, type_nint,
  type_bytestring, type_bytestring_indef, type_textstring, type_textstring_indef, type_tag, type_simple_data,
  type_float16, type_float32, type_float64, invalid_minor_type, invalid_element, too_long_length, max_recursion,
};
}

namespace xml_f {
enum : FieldId {
  proto = field_base(Proto::Xml), xmlpi, cdatasection, comment, attribute, doctype, dtdtag, cdata, tag, unknown,
  xmlpi_xml, xmlpi_version, xmlpi_encoding, xmlpi_standalone, closing_unopened_tag, closing_unopened_xmlpi_tag,
  unrecognized_text,
};
}

// Which of these dissectors tshark's media_type table gives a (lower-case,
// parameter-free) media type, if any.
enum class Kind : uint8_t { None, Form, Cbor, Xml };
Kind kind_of(std::string_view media);

// The body as tshark's dissector for `kind` shows it after the carrying
// protocol; `media` is the type as written (the Form layer names it, and
// adds " (type)" to the Info column); `carrier` the protocol it came in
// ("MQTT", "HTTP": XML makes the Protocol column "MQTT/XML").
void dissect(Kind kind, std::span<const uint8_t> body, std::string_view media, uint32_t off, core::Packet& pkt,
             std::string_view carrier);

std::span<const core::FieldDef> form_field_table();
std::span<const core::FieldDef> cbor_field_table();
std::span<const core::FieldDef> xml_field_table();

}  // namespace mqsniff::media
