// Event JSON: {"sequence", "time_ns", "connection", "actor", "kind", then only the fields the event uses:
// "packet", "raw" (hex), "close_reason", "error", "fault", "detail", "frame", "websocket",
// "looked_ns"}. One event per line in .jsonl.
#include <array>
#include <istream>
#include <ostream>

#include "history/json.hpp"
#include "history/json_reader.hpp"
#include "history/printable_text.hpp"

namespace mqtt::history {
namespace {

using nlohmann::json;

template <typename Enum, std::size_t Count>
Enum parse_enum(const JsonObjectReader& reader, std::string_view key, const std::array<Enum, Count>& values) {
  const std::string name = reader.string(key);
  for (Enum value : values) {
    if (to_string(value) == name) return value;
  }
  std::string expected;
  for (Enum value : values) expected += (expected.empty() ? "" : ", ") + std::string(to_string(value));
  reader.fail(key, "unknown value \"" + name + "\" (expected one of " + expected + ")");
}

constexpr std::array<EventKind, 8> event_kinds = {EventKind::open,   EventKind::open_failed,  EventKind::sent,
                                                  EventKind::received, EventKind::closed, EventKind::decode_error,
                                                  EventKind::fault,  EventKind::note};
constexpr std::array<CloseReason, 6> close_reasons = {CloseReason::clean_eof,      CloseReason::reset,
                                                      CloseReason::timeout,        CloseReason::protocol_error,
                                                      CloseReason::local_close,    CloseReason::local_abort};

}  // namespace

nlohmann::json event_to_json(const Event& event) {
  json out{{"sequence", event.sequence},
           {"time_ns", event.time_ns},
           {"connection", event.connection},
           {"actor", text_to_json(event.actor)},
           {"kind", to_string(event.kind)}};
  if (event.packet) out["packet"] = packet_to_json(*event.packet);
  if (!event.raw.empty()) out["raw"] = to_hex(event.raw);
  if (event.close_reason) out["close_reason"] = to_string(*event.close_reason);
  if (event.error) {
    json error{{"offset", event.error->offset},
               {"statement", event.error->statement},
               {"message", text_to_json(event.error->message)}};
    if (event.error->packet_type) error["packet_type"] = packet_type_name(*event.error->packet_type);
    out["error"] = std::move(error);
  }
  if (!event.fault.empty()) out["fault"] = text_to_json(event.fault);
  if (!event.detail.empty()) out["detail"] = text_to_json(event.detail);
  if (event.frame) out["frame"] = *event.frame;
  if (event.looked_ns) out["looked_ns"] = *event.looked_ns;
  if (event.websocket) {
    json websocket = json::object();
    const auto& detail = *event.websocket;
    if (!detail.offered.empty()) {
      websocket["offered"] = text_to_json(detail.offered);
      websocket["subprotocol"] = text_to_json(detail.subprotocol);  // "" too: the server named none
    }
    if (!detail.frame.empty()) websocket["frame"] = detail.frame;
    if (detail.size != 0) websocket["size"] = detail.size;
    out["websocket"] = std::move(websocket);
  }
  return out;
}

Event event_from_json(const nlohmann::json& json_value) { return read_event(json_value, ""); }

Event read_event(const nlohmann::json& json_value, const std::string& path) {
  const JsonObjectReader reader(json_value, path);
  Event event;
  event.sequence = reader.unsigned_integer("sequence");
  event.time_ns = reader.signed_integer("time_ns");
  event.connection = static_cast<std::uint32_t>(reader.unsigned_integer("connection", UINT32_MAX));
  event.actor = reader.text("actor");
  event.kind = parse_enum(reader, "kind", event_kinds);
  if (reader.has("packet")) event.packet = read_packet(reader.at("packet"), reader.path_of("packet"));
  if (reader.has("raw")) event.raw = reader.bytes("raw");
  if (reader.has("close_reason")) event.close_reason = parse_enum(reader, "close_reason", close_reasons);
  if (reader.has("error")) {
    const JsonObjectReader error_reader = reader.object("error");
    DecodeError error;
    error.offset = error_reader.unsigned_integer("offset");
    error.statement = error_reader.string("statement");
    error.message = error_reader.text("message");
    if (error_reader.has("packet_type")) {
      const std::string name = error_reader.string("packet_type");
      error.packet_type = parse_packet_type_name(name);
      if (!error.packet_type) error_reader.fail("packet_type", "unknown packet type \"" + name + "\"");
    }
    event.error = std::move(error);
  }
  if (reader.has("fault")) event.fault = reader.text("fault");
  if (reader.has("detail")) event.detail = reader.text("detail");
  if (reader.has("frame")) event.frame = reader.unsigned_integer("frame");
  if (reader.has("looked_ns")) event.looked_ns = reader.signed_integer("looked_ns");
  if (reader.has("websocket")) {
    const JsonObjectReader websocket_reader = reader.object("websocket");
    WebSocketDetail detail;
    if (websocket_reader.has("offered")) detail.offered = websocket_reader.text("offered");
    if (websocket_reader.has("subprotocol")) detail.subprotocol = websocket_reader.text("subprotocol");
    if (websocket_reader.has("frame")) detail.frame = websocket_reader.string("frame");
    if (websocket_reader.has("size")) detail.size = websocket_reader.unsigned_integer("size");
    event.websocket = std::move(detail);
  }
  return event;
}

std::string to_json_line(const Event& event) { return event_to_json(event).dump(); }

void write_json_lines(std::ostream& out, const History& history) {
  for (const Event& event : history.events) out << to_json_line(event) << '\n';
}

History read_json_lines(std::istream& in, std::string_view source_name) {
  History history;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are allowed
    const std::string where = printable_excerpt(source_name, 300) + ":" + std::to_string(line_number) + ": ";
    if (excess_nesting_offset(line)) {
      throw FormatError(where + "arrays and objects nested more than " + std::to_string(max_json_nesting) +
                        " levels deep");
    }
    json value;
    try {
      value = json::parse(line);
    } catch (const json::exception& error) {
      throw FormatError(where + "not valid JSON: " + json_error_text(error));
    }
    try {
      history.events.push_back(event_from_json(value));
    } catch (const FormatError& error) {
      throw FormatError(where + printable_excerpt(error.what(), 600));
    } catch (const json::exception& error) {
      throw FormatError(where + json_error_text(error));
    }
  }
  return history;
}

}  // namespace mqtt::history
