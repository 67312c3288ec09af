// HTML form data (application/x-www-form-urlencoded) as tshark 4.0's
// "urlencoded-form" dissector shows it: one "Form item" per key=value pair,
// %XX and '+' decoded. As there: a key runs to the next '=' (an '&' before it
// stays in the key), a value to the next '&'; a bad %XX escape ends the
// list; an escape cut by the end of the body is "[Malformed Packet: URL
// Encoded Form Data]"; a decoded NUL ends its string; the decoded bytes are
// the value (-T fields prints them as they are, -V shows invalid UTF-8 as U+FFFD).
#include <string>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/format.h"
#include "dissectors/core/text_item.h"
#include "dissectors/link/link.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/media/media.h"

namespace mqsniff::media {
namespace {

enum class Scan { Ok, BadEscape, Cut };

// Decodes from `off` to the stop byte (or the end); `next` is where the stop
// byte is (or the end).
Scan decode(std::span<const uint8_t> b, size_t off, char stop, std::string& out, size_t& next) {
  out.clear();
  size_t i = off;
  bool nul = false;
  while (i < b.size()) {
    const uint8_t c = b[i];
    if (c == static_cast<uint8_t>(stop)) break;
    if (c == '%') {
      if (i + 1 >= b.size()) return Scan::Cut;
      const int h = core::hex_digit_value(b[i + 1]);
      if (h < 0) return Scan::BadEscape;
      if (i + 2 >= b.size()) return Scan::Cut;
      const int l = core::hex_digit_value(b[i + 2]);
      if (l < 0) return Scan::BadEscape;
      const char v = static_cast<char>(h << 4 | l);
      if (v == 0) nul = true;
      if (!nul) out += v;
      i += 3;
      continue;
    }
    if (!nul) out += c == '+' ? ' ' : static_cast<char>(c);
    ++i;
  }
  next = i;
  return Scan::Ok;
}

}  // namespace

void dissect_form(std::span<const uint8_t> body, std::string_view media, uint32_t off, core::Packet& pkt) {
  auto& t = pkt.tree;
  if (!body.empty()) pkt.layer("urlencoded-form");  // (tshark drops the layer of a dissector that took no bytes)
  const int32_t p = t.open(form_f::proto, off, static_cast<uint32_t>(body.size()));
  if (t.wants(form_f::proto)) t.set_label(p, "HTML Form URL Encoded: " + std::string(media));
  const bool show = t.wants(link::ws_f::text);
  bool cut = false;
  std::string key, value;
  size_t at = 0;
  while (at < body.size()) {
    const int32_t item = show ? core::add_text(t, "Form item", off + static_cast<uint32_t>(at), 0) : -1;
    core::Subtree sub(t, item);
    std::string label = "Form item";
    size_t next = 0;
    const size_t key_at = at;
    Scan s = decode(body, at, '=', key, next);
    if (s != Scan::Ok) {
      cut = s == Scan::Cut;
      break;
    }
    t.add_string_copy(form_f::key, key, off + static_cast<uint32_t>(key_at), static_cast<uint32_t>(next - key_at));
    label += ": \"" + key + "\"";
    if (show) t.set_label(item, label);
    at = next + 1;
    const size_t value_at = at;
    if (at < body.size()) {
      s = decode(body, at, '&', value, next);
      if (s != Scan::Ok) {
        cut = s == Scan::Cut;
        break;
      }
    } else {
      value.clear();
      next = at;
    }
    t.add_string_copy(form_f::value, value, off + static_cast<uint32_t>(std::min(value_at, body.size())),
                      static_cast<uint32_t>(next - std::min(value_at, next)));
    label += " = \"" + value + "\"";
    if (show) {
      t.set_label(item, label);
      t.set_length(item, static_cast<uint32_t>(std::min(next, body.size()) - key_at));
    }
    at = next + 1;
  }
  t.close();
  if (pkt.cols) {
    pkt.cols->info += " (";
    pkt.cols->info += media;
    pkt.cols->info += ')';
  }
  if (cut) link::add_malformed_item(pkt, "URL Encoded Form Data");
}

// The media types tshark's XML dissector registers (its default list).
constexpr std::string_view kXmlTypes[] = {
      "text/xml", "text/vnd.wap.wml", "text/vnd.wap.si", "text/vnd.wap.sl", "text/vnd.wap.co", "text/vnd.wap.emn",
      "application/3gpp-ims+xml", "application/atom+xml", "application/auth-policy+xml", "application/ccmp+xml",
      "application/conference-info+xml", "application/cpim-pidf+xml", "application/cpl+xml",
      "application/dds-web+xml", "application/im-iscomposing+xml", "application/load-control+xml",
      "application/mathml+xml", "application/media_control+xml", "application/note+xml", "application/pidf+xml",
      "application/pidf-diff+xml", "application/poc-settings+xml", "application/rdf+xml", "application/reginfo+xml",
      "application/resource-lists+xml", "application/rlmi+xml", "application/rls-services+xml",
      "application/rss+xml", "application/rs-metadata+xml", "application/smil", "application/simple-filter+xml",
      "application/simple-message-summary+xml", "application/simservs+xml", "application/soap+xml",
      "application/vnd.etsi.aoc+xml", "application/vnd.etsi.cug+xml", "application/vnd.etsi.iptvcommand+xml",
      "application/vnd.etsi.iptvdiscovery+xml", "application/vnd.etsi.iptvprofile+xml",
      "application/vnd.etsi.iptvsad-bc+xml", "application/vnd.etsi.iptvsad-cod+xml",
      "application/vnd.etsi.iptvsad-npvr+xml", "application/vnd.etsi.iptvservice+xml",
      "application/vnd.etsi.iptvsync+xml", "application/vnd.etsi.iptvueprofile+xml",
      "application/vnd.etsi.mcid+xml", "application/vnd.etsi.overload-control-policy-dataset+xml",
      "application/vnd.etsi.pstn+xml", "application/vnd.etsi.sci+xml", "application/vnd.etsi.simservs+xml",
      "application/vnd.etsi.tsl+xml", "application/vnd.oma.xdm-apd+xml", "application/vnd.oma.fnl+xml",
      "application/vnd.oma.access-permissions-list+xml", "application/vnd.oma.alias-principals-list+xml",
      "application/upp-directory+xml", "application/vnd.oma.xdm-hi+xml", "application/vnd.oma.xdm-rhi+xml",
      "application/vnd.oma.xdm-prefs+xml", "application/vnd.oma.xdcp+xml",
      "application/vnd.oma.bcast.associated-procedure-parameter+xml", "application/vnd.oma.bcast.drm-trigger+xml",
      "application/vnd.oma.bcast.imd+xml", "application/vnd.oma.bcast.notification+xml",
      "application/vnd.oma.bcast.sgdd+xml", "application/vnd.oma.bcast.smartcard-trigger+xml",
      "application/vnd.oma.bcast.sprov+xml", "application/vnd.oma.cab-address-book+xml",
      "application/vnd.oma.cab-feature-handler+xml", "application/vnd.oma.cab-pcc+xml",
      "application/vnd.oma.cab-subs-invite+xml", "application/vnd.oma.cab-user-prefs+xml",
      "application/vnd.oma.dd2+xml", "application/vnd.oma.drm.risd+xml", "application/vnd.oma.group-usage-list+xml",
      "application/vnd.oma.pal+xml", "application/vnd.oma.poc.detailed-progress-report+xml",
      "application/vnd.oma.poc.final-report+xml", "application/vnd.oma.poc.groups+xml",
      "application/vnd.oma.poc.invocation-descriptor+xml", "application/vnd.oma.poc.optimized-progress-report+xml",
      "application/vnd.oma.scidm.messages+xml", "application/vnd.oma.suppnot+xml",
      "application/vnd.oma.xcap-directory+xml", "application/vnd.omads-email+xml", "application/vnd.omads-file+xml",
      "application/vnd.omads-folder+xml", "application/vnd.3gpp.access-transfer-events+xml",
      "application/vnd.3gpp.bsf+xml", "application/vnd.3gpp.comm-div-info+xml", "application/vnd.3gpp.cw+xml",
      "application/vnd.3gpp.iut+xml", "application/vnc.3gpp.iut-config+xml", "application/vnd.3gpp.mid-call+xml",
      "application/vnd.3gpp-prose-pc3ch+xml", "application/vnd.3gpp-prose+xml",
      "application/vnd.3gpp.replication+xml", "application/vnd.3gpp.sms+xml", "application/vnd.3gpp.srvcc-info+xml",
      "application/vnd.3gpp.srvcc-ext+xml", "application/vnd.3gpp.state-and-event-info+xml",
      "application/vnd.3gpp.ussd+xml", "application/vnd.3gpp2.bcmcsinfo+xml", "application/vnd.wv.csp+xml",
      "application/vnd.wv.csp.xml", "application/watcherinfo+xml", "application/xcap-att+xml",
      "application/xcap-caps+xml", "application/xcap-diff+xml", "application/xcap-el+xml",
      "application/xcap-error+xml", "application/xcap-ns+xml", "application/xml", "application/xml-dtd",
      "application/xpidf+xml", "application/xslt+xml", "application/x-crd+xml", "application/x-wms-logconnectstats",
      "application/x-wms-logplaystats", "application/x-wms-sendevent", "image/svg+xml", "message/imdn+xml",
};

Kind kind_of(std::string_view media) {
  auto same = [&](std::string_view m) {
    return m.size() == media.size() && std::equal(m.begin(), m.end(), media.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  if (same("application/x-www-form-urlencoded")) return Kind::Form;
  if (same("application/cbor") || same("application/cbor-seq") || same("application/senml+cbor") ||
      same("application/sensml+cbor"))
    return Kind::Cbor;
  for (auto m : kXmlTypes)
    if (same(m)) return Kind::Xml;
  return Kind::None;
}

void dissect_cbor(std::span<const uint8_t> body, uint32_t off, core::Packet& pkt);
void dissect_xml(std::span<const uint8_t> body, uint32_t off, core::Packet& pkt, std::string_view carrier);

void dissect(Kind kind, std::span<const uint8_t> body, std::string_view media, uint32_t off, core::Packet& pkt,
             std::string_view carrier) {
  if (kind == Kind::Form) dissect_form(body, media, off, pkt);
  else if (kind == Kind::Cbor) dissect_cbor(body, off, pkt);
  else if (kind == Kind::Xml) dissect_xml(body, off, pkt, carrier);
}

}  // namespace mqsniff::media
