// Field tables of the media-type dissectors (tshark 4.0's names): HTML form
// data ("urlencoded-form") and CBOR ("cbor").
#include "dissectors/media/media.h"

namespace mqsniff::media {
using core::FieldDef;
using FT = core::FieldType;
using core::Base;

namespace {
const FieldDef kForm[] = {
    {form_f::proto, "urlencoded-form", "HTML Form URL Encoded", FT::Protocol, Base::None, 0, 0, {},
     "URL Encoded Form Data"},
    {form_f::key, "urlencoded-form.key", "Key", FT::String},
    {form_f::value, "urlencoded-form.value", "Value", FT::String},
};
// The argument fields (size, length, items, pairs, uint, tag, simple data)
// are tshark's 5-bit masks when the argument is in the first byte; tshark
// registers the same names again without a mask for arguments that follow
// it, which mqsniff shows with its own -V line (FieldTree::set_display).
const FieldDef kCbor[] = {
    {cbor_f::proto, "cbor", "Concise Binary Object Representation", FT::Protocol, Base::None, 0, 0, {}, "CBOR"},
    {cbor_f::major_type, "cbor.item.major_type", "Major Type", FT::UInt8, Base::Dec, 0xe0},
    {cbor_f::size, "cbor.item.size", "Size", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::length, "cbor.item.length", "Length", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::items, "cbor.item.items", "Items", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::pairs, "cbor.item.pairs", "Pairs", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::float_simple_type, "cbor.item.float_simple_type", "Type", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::item_uint, "cbor.item.unsigned_integer", "Unsigned Integer", FT::None},
    {cbor_f::item_nint, "cbor.item.negative_integer", "Negative Integer", FT::None},
    {cbor_f::item_textstring, "cbor.item.textstring", "Text String", FT::None},
    {cbor_f::item_bytestring, "cbor.item.bytestring", "Byte String", FT::None},
    {cbor_f::item_array, "cbor.item.array", "Array", FT::None},
    {cbor_f::item_map, "cbor.item.map", "Map", FT::None},
    {cbor_f::item_tag, "cbor.item.tag", "Tag", FT::None},
    {cbor_f::item_float_simple, "cbor.item.float_or_simple", "Floating-point or Simple", FT::None},
    {cbor_f::type_uint, "cbor.type.uint", "Unsigned Integer", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::type_nint, "cbor.type.nint", "Negative Integer", FT::Int64, Base::Dec},
    {cbor_f::type_bytestring, "cbor.type.bytestring", "Byte String", FT::Bytes},
    {cbor_f::type_bytestring_indef, "cbor.type.bytestring.indef", "Byte String (indefinite length)", FT::None},
    {cbor_f::type_textstring, "cbor.type.textstring", "Text String", FT::String},
    {cbor_f::type_textstring_indef, "cbor.type.textstring.indef", "Text String (indefinite length)", FT::None},
    {cbor_f::type_tag, "cbor.type.tag", "Tag", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::type_simple_data, "cbor.type.simple_data", "Simple data", FT::UInt8, Base::Dec, 0x1f},
    {cbor_f::type_float16, "cbor.type.float16", "Float 16 Bit", FT::Float},
    {cbor_f::type_float32, "cbor.type.float32", "Float 32 Bit", FT::Float},
    {cbor_f::type_float64, "cbor.type.float64", "Float 64 Bit", FT::Double},
    {cbor_f::invalid_minor_type, "cbor.invalid_minor_type", "Invalid minor type", FT::None},
    {cbor_f::invalid_element, "cbor.invalid_element", "Invalid element", FT::None},
    {cbor_f::too_long_length, "cbor.too_long_length", "Too long length", FT::None},
    {cbor_f::max_recursion, "cbor.max_recursion_depth_reached",
     "Maximum allowed recursion depth reached. Dissection stopped.", FT::None},
};
const FieldDef kXml[] = {
    {xml_f::proto, "xml", "eXtensible Markup Language", FT::Protocol, Base::None, 0, 0, {}, "XML"},
    {xml_f::xmlpi, "xml.xmlpi", "XMLPI", FT::String},
    {xml_f::cdatasection, "xml.cdatasection", "CDATASection", FT::String},
    {xml_f::comment, "xml.comment", "Comment", FT::String},
    {xml_f::attribute, "xml.attribute", "Attribute", FT::String},
    {xml_f::doctype, "xml.doctype", "Doctype", FT::String},
    {xml_f::dtdtag, "xml.dtdtag", "DTD Tag", FT::String},
    {xml_f::cdata, "xml.cdata", "CDATA", FT::String},
    {xml_f::tag, "xml.tag", "Tag", FT::String},
    {xml_f::unknown, "xml.unknown", "Unknown", FT::String},
    {xml_f::xmlpi_xml, "xml.xmlpi.xml", "xml.xmlpi.xml", FT::String},
    {xml_f::xmlpi_version, "xml.xmlpi.xml.version", "version", FT::String},
    {xml_f::xmlpi_encoding, "xml.xmlpi.xml.encoding", "encoding", FT::String},
    {xml_f::xmlpi_standalone, "xml.xmlpi.xml.standalone", "standalone", FT::String},
    {xml_f::closing_unopened_tag, "xml.closing_unopened_tag", "Closing an unopened tag", FT::None},
    {xml_f::closing_unopened_xmlpi_tag, "xml.closing_unopened_xmpli_tag", "Closing an unopened xmpli tag", FT::None},
    {xml_f::unrecognized_text, "xml.unrecognized_text", "Unrecognized text", FT::None},
};
}  // namespace

std::span<const FieldDef> form_field_table() { return kForm; }
std::span<const FieldDef> cbor_field_table() { return kCbor; }
std::span<const FieldDef> xml_field_table() { return kXml; }

}  // namespace mqsniff::media
