#include "model/v5_connect_once.hpp"

namespace mqtt::model::detail {

void note_client_packet_after_connack(ModelState& model, const Connection& conn, PacketType type) {
  if (!conn.connack_seen || (type != PacketType::connect && type != PacketType::auth)) return;
  model.exercise(v5("MQTT-3.2.0-2"));
}

void judge_second_connack(ModelState& model, const Connection& conn, const Event& event) {
  model.exercise(v5("MQTT-3.2.0-2"));
  model.violation(v5("MQTT-3.2.0-2"),
                  "the server sent " + client_label(conn) + " a second CONNACK on the same network connection",
                  {conn.connack_sequence, event.sequence});
}

}  // namespace mqtt::model::detail
