#include "model/websocket.hpp"

#include <string>
#include <string_view>

#include "model/policing.hpp"
#include "model/statement_citation.hpp"

namespace mqtt::model::detail {
namespace {

constexpr std::string_view mqtt_subprotocol = "mqtt";

// Section 6 has the same ids in both versions; a 5.0 connection cites the 5.0 catalog's.
std::string cited(const Connection& conn, std::string_view statement) {
  return conn.version == ProtocolVersion::v5 ? v5(statement) : std::string(statement);
}

// Whether "mqtt" is among the comma-separated sub-protocols of a Sec-WebSocket-Protocol header.
bool lists_mqtt(std::string_view offered) {
  while (!offered.empty()) {
    const auto comma = offered.find(',');
    std::string_view name = offered.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == mqtt_subprotocol) return true;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return false;
}

// A CONNECT with this connection's client id, sent on a later connection: the broker may close this one for
// the takeover before that connection's CONNACK (where the model marks `taken_over`).
bool takeover_under_way(const ModelState& model, const Connection& conn) {
  if (!conn.connect_seen || conn.connect.client_id.empty()) return false;
  for (const auto& [id, other] : model.connections) {
    // A CONNECT the server refused takes nothing over.
    if (id != conn.id && other.connect_seen && !other.refused && other.connect_sequence > conn.connect_sequence &&
        other.connect.client_id == conn.connect.client_id) {
      return true;
    }
  }
  return false;
}

// The client has been silent for 1.5 x its keep alive since its last packet: the close is the keep-alive
// timeout [MQTT-3.1.2-24], whether or not the server read that packet.
bool keep_alive_lapsed(const Connection& conn, std::int64_t time) {
  const auto keep_alive = static_cast<std::int64_t>(conn.keep_alive);
  return keep_alive > 0 && time - conn.last_client_time >= keep_alive * 3'000'000'000LL / 2;
}

}  // namespace

void on_websocket_open(ModelState& model, const Event& event) {
  if (!event.websocket || !lists_mqtt(event.websocket->offered)) return;  // a bridge offered "binary": not MQTT's rule
  // Before its CONNECT the connection's version is not known; the id is the same in both catalogs.
  model.exercise("MQTT-6.0.0-4");
  const auto& chosen = event.websocket->subprotocol;
  if (chosen == mqtt_subprotocol) return;
  model.violation("MQTT-6.0.0-4",
                  "the client offered the WebSocket sub-protocols \"" + event.websocket->offered +
                      "\" and the server " +
                      (chosen.empty() ? std::string("named none in its answer") : "chose \"" + chosen + "\"") +
                      ", not \"mqtt\"",
                  {event.sequence});
}

void on_websocket_message(ModelState& model, const Event& event) {
  if (!event.websocket || event.websocket->frame.empty()) return;
  const auto known = model.connections.find(event.connection);
  if (known == model.connections.end()) return;
  const Connection& conn = known->second;
  model.exercise(cited(conn, "MQTT-6.0.0-1"));
  if (event.websocket->frame == "binary") return;
  model.violation(cited(conn, "MQTT-6.0.0-1"),
                  "the server sent " + std::to_string(event.websocket->size) + " bytes to " + client_label(conn) +
                      " in a WebSocket " + event.websocket->frame + " message; MQTT travels in binary frames only",
                  {event.sequence});
}

bool on_websocket_send(ModelState& model, Connection& conn, const Event& event) {
  if (!event.websocket || event.websocket->frame.empty() || conn.client_violation) return false;
  const auto& frame = event.websocket->frame;
  if (frame == "text") {
    // The server must close, and not act on the packet: whatever it sends past the grace breaks the rule.
    protocol_violation(model, conn, event, cited(conn, "MQTT-6.0.0-1"), "it sent a packet in a WebSocket text frame",
                       {});
    return true;
  }
  if (frame == "split" || frame == "shared") {
    model.exercise(cited(conn, "MQTT-6.0.0-2"));
    conn.websocket_split_sequence = event.sequence;
  }
  return false;
}

void on_websocket_server_packet(Connection& conn) { conn.websocket_split_sequence = 0; }

// A close right after a split (or shared) packet is a refusal of it unless something else explains the close:
// the client's own violation or DISCONNECT, a fault, a takeover (marked, or still under way), keep alive.
void on_websocket_close(ModelState& model, Connection& conn, const Event& event) {
  const std::uint64_t split = conn.websocket_split_sequence;
  conn.websocket_split_sequence = 0;
  if (split == 0 || !event.close_reason || !server_closed(*event.close_reason)) return;
  // A takeover by the same client id ends the connection for a reason of its own (captures show it: a client
  // that reconnects while its old connection still stands).
  if (conn.client_violation || conn.disconnect_sent || conn.faulted || conn.taken_over) return;
  if (takeover_under_way(model, conn) || keep_alive_lapsed(conn, event.time_ns)) return;
  model.violation(cited(conn, "MQTT-6.0.0-2"),
                  "the server closed the connection of " + client_label(conn) +
                      " after a packet that arrived split across WebSocket frames (or sharing a frame with the "
                      "next), without answering anything",
                  {split, event.sequence});
}

}  // namespace mqtt::model::detail
