#include "history/event.hpp"

namespace mqtt::history {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::open: return "open";
    case EventKind::open_failed: return "open_failed";
    case EventKind::sent: return "sent";
    case EventKind::received: return "received";
    case EventKind::closed: return "closed";
    case EventKind::decode_error: return "decode_error";
    case EventKind::fault: return "fault";
    case EventKind::note: return "note";
  }
  return "unknown";
}

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::clean_eof: return "clean_eof";
    case CloseReason::reset: return "reset";
    case CloseReason::timeout: return "timeout";
    case CloseReason::protocol_error: return "protocol_error";
    case CloseReason::local_close: return "local_close";
    case CloseReason::local_abort: return "local_abort";
  }
  return "unknown";
}

}  // namespace mqtt::history
