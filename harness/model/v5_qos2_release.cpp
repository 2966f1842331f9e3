#include "model/v5_qos2_release.hpp"

#include <string>

#include "model/statement_citation.hpp"

namespace mqtt::model::detail {
namespace {

Session* session_of(ModelState& model, const Connection& conn) {
  if (conn.client_id.empty()) return nullptr;
  const auto session = model.sessions.find(conn.client_id);
  return session == model.sessions.end() ? nullptr : &session->second;
}

}  // namespace

void note_server_release(ModelState& model, const Connection& conn, std::uint16_t packet_id) {
  const auto flight = conn.server_flights.find(packet_id);
  if (flight == conn.server_flights.end() || !flight->second.released) return;
  if (auto* session = session_of(model, conn)) {
    session->released_qos2[packet_id] = flight->second.message;
    // From here a PUBLISH with this id on this connection would break the rule.
    model.exercise(v5("MQTT-4.3.3-6"));
  }
}

void note_client_completion(ModelState& model, const Connection& conn, std::uint16_t packet_id) {
  if (auto* session = session_of(model, conn)) session->released_qos2.erase(packet_id);
}

void on_connack_released_exchanges(ModelState& model, const Connection& conn, bool session_present) {
  auto* session = session_of(model, conn);
  if (session == nullptr) return;
  if (!session_present) {
    session->released_qos2.clear();
  } else if (!session->released_qos2.empty()) {
    model.exercise(v5("MQTT-4.3.3-6"));
  }
}

void check_publish_after_release(ModelState& model, const Connection& conn, const Publish& publish,
                                 std::size_t index, const Event& event) {
  if (publish.qos != QoS::exactly_once || !publish.packet_id) return;
  auto* session = session_of(model, conn);
  if (session == nullptr) return;
  const auto released = session->released_qos2.find(*publish.packet_id);
  if (released == session->released_qos2.end()) return;
  // Another message with the id is a packet id still in use [MQTT-2.2.1-4], not a re-send.
  if (index == no_message || released->second != index) return;
  const auto& message = model.messages[index];
  model.violation(v5("MQTT-4.3.3-6"),
                  "the server sent the QoS 2 message on " + quoted(message.topic) + " to " + client_label(conn) +
                      " again with packet id " + std::to_string(*publish.packet_id) +
                      " after it had already sent PUBREL for it",
                  {message.sequence, event.sequence});
}

}  // namespace mqtt::model::detail
