// X.509 certificates carried in TLS Certificate messages (RFC 5280), parsed
// with OpenSSL's DER decoder: tshark's x509af/x509sat/x509ce fields and
// mqsniff's readable per-certificate tls.cert.* fields.
#pragma once
#include <string>
#include <string_view>

#include "dissectors/core/packet.h"

namespace mqsniff::tls {

// True when an output or filter asked for anything of a certificate: parsing
// costs nothing otherwise.
bool certificate_fields_wanted(const core::FieldTree& t);

// Dissects one DER certificate at `off` into tshark's tree, under the
// tls.handshake.certificate node `cert_idx` (whose line gets the subject). A
// certificate that does not decode is reported (expert info, malformed) and
// the handshake goes on.
void dissect_certificate(core::Bytes der, uint32_t off, core::Packet& pkt, int32_t cert_idx);

// tshark's name of an object identifier ("2.5.4.3" -> "id-at-commonName"), or null.
const char* oid_name(std::string_view dotted);
// ... or, for one it does not know, tshark's form: "iso.3.101.112".
std::string oid_display(std::string_view dotted);

// A DER-encoded X.501 Name (a CertificateRequest's acceptable CA) as
// "C=FR, O=MQTT Lab, CN=MQTT Lab CA"; empty if it does not decode.
std::string distinguished_name(core::Bytes der);

}  // namespace mqsniff::tls
