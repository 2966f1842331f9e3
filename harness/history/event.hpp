// A history is plain data: every packet sent and received, every connection opened and closed, every decode
// error and every injected fault, each stamped with a monotonic time and a connection id. Conformance runs,
// fleet simulations and pcap captures all produce histories; the checker judges any of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/decode_error.hpp"
#include "codec/packet.hpp"

namespace mqtt::history {

enum class EventKind : std::uint8_t {
  open,          // TCP connection established (detail: "peer host:port")
  open_failed,   // could not connect (detail: the reason)
  sent,          // bytes written by the client side (packet set when they decode, raw always set)
  received,      // a packet read from the server side (packet and raw set)
  closed,        // connection ended (close_reason set)
  decode_error,  // bytes from the server side that do not decode (error set, raw holds the bad bytes)
  fault,         // the network did something on purpose (fault set; connection 0 = not tied to one connection)
  note,          // a step boundary or annotation from the runner (detail)
};

enum class CloseReason : std::uint8_t {
  clean_eof,       // the server closed (FIN) and we read EOF
  reset,           // connection reset by the peer
  timeout,         // our deadline expired and we gave up on the connection
  protocol_error,  // we closed because the server sent bytes that do not decode
  local_close,     // we closed on purpose (after DISCONNECT or at the end of a case)
  local_abort,     // we dropped the connection abruptly on purpose (no DISCONNECT; simulates power loss)
};

std::string_view to_string(EventKind kind);
std::string_view to_string(CloseReason reason);

// What the WebSocket layer did under an event (ws:// and wss:// only), for the rules of section 6 of the
// specification (model/websocket.cpp). Frames are what Boost.Beast reports: a data message's opcode, control frames
// not included.
struct WebSocketDetail {
  // open and open_failed: the sub-protocols the client offered (as sent, comma-separated) and the one the server
  // chose ("" when its answer named none). Empty `offered` on other events.
  std::string offered;
  std::string subprotocol;
  // A `note` for a data message received, or a `sent` packet: "binary" or "text"; a sent packet may also be
  // "split" (its bytes went in two binary frames) or "shared" (they went in one binary frame with the next sent
  // packet's bytes). Empty on open events.
  std::string frame;
  std::uint64_t size = 0;  // a received message: its length in bytes
  friend bool operator==(const WebSocketDetail&, const WebSocketDetail&) = default;
};

struct Event {
  std::uint64_t sequence = 0;    // position in the history, strictly increasing
  std::int64_t time_ns = 0;      // monotonic nanoseconds since the history began
  std::uint32_t connection = 0;  // 1, 2, ... per connection; 0 for events not tied to one
  std::string actor;             // who acts: a scenario client name, a device id, or "ip:port" in captures
  EventKind kind = EventKind::note;
  std::optional<Packet> packet;
  Bytes raw;
  std::optional<CloseReason> close_reason;
  std::optional<DecodeError> error;
  std::string fault;             // fault name for kind == fault ("latency", "stall", "reset", "partition", ...)
  std::string detail;            // free text: peer address, fault parameters, note text
  std::optional<std::uint64_t> frame;  // capture frame number, for histories read from pcap
  std::optional<WebSocketDetail> websocket;  // ws:// and wss:// connections: open events, framed sends, messages
  // Set when the harness's loop may have been late to this event: the last time before it (same clock as
  // time_ns) that the loop was seen keeping up, so the earliest time the event can have happened. Absent: the
  // loop was keeping up (time_ns is late by at most client::loop_lag_recorded_above), or the history predates
  // the field, or it comes from a capture (kernel time stamps). See earliest_time().
  std::optional<std::int64_t> looked_ns;
  friend bool operator==(const Event&, const Event&) = default;
};

// The earliest time `event` can have happened: its time, or the moment the harness's loop last looked before
// it when that is recorded. A verdict that accuses the broker of lateness measures from here.
inline std::int64_t earliest_time(const Event& event) {
  return event.looked_ns && *event.looked_ns < event.time_ns ? *event.looked_ns : event.time_ns;
}

struct History {
  std::vector<Event> events;
};

}  // namespace mqtt::history
