#include "dissectors/core/expert.h"

namespace mqsniff::core {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Comment: return "Comment";
    case Severity::Chat: return "Chat";
    case Severity::Note: return "Note";
    case Severity::Warn: return "Warning";
    case Severity::Error: return "Error";
  }
  return "Unknown";
}

const char* group_name(ExpertGroup g) {
  switch (g) {
    case ExpertGroup::Checksum: return "Checksum";
    case ExpertGroup::Sequence: return "Sequence";
    case ExpertGroup::ResponseCode: return "Response";
    case ExpertGroup::RequestCode: return "Request";
    case ExpertGroup::Undecoded: return "Undecoded";
    case ExpertGroup::Reassemble: return "Reassemble";
    case ExpertGroup::Malformed: return "Malformed";
    case ExpertGroup::Debug: return "Debug";
    case ExpertGroup::Protocol: return "Protocol";
    case ExpertGroup::Security: return "Security";
    case ExpertGroup::Comments: return "Comment";
    case ExpertGroup::Decryption: return "Decryption";
    case ExpertGroup::Deprecated: return "Deprecated";
  }
  return "Unknown";
}

}  // namespace mqsniff::core
