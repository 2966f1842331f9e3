#include "model/v5_qos2_identifiers.hpp"

#include <algorithm>
#include <string>

#include "model/statement_citation.hpp"

namespace mqtt::model::detail {

void note_client_id_reuse(Connection& conn, const Publish& publish) {
  if (publish.qos == QoS::at_most_once || !publish.packet_id) return;
  auto& v5 = conn.v5;
  if (v5.ended_exchange_statement.empty() || *publish.packet_id != v5.ended_exchange_id) {
    v5.reused_id_statement = {};
    return;
  }
  v5.reused_id = *publish.packet_id;
  v5.reused_id_statement = v5.ended_exchange_statement;
  v5.reused_id_message = no_message;
  v5.ended_exchange_statement = {};  // the id is in use again
}

void remember_reused_id_message(Connection& conn) {
  auto& v5 = conn.v5;
  if (v5.reused_id_statement.empty() || v5.reused_id_message != no_message) return;
  for (auto request = conn.requests.rbegin(); request != conn.requests.rend(); ++request) {
    if (request->packet_id == v5.reused_id &&
        (request->answer == PacketType::puback || request->answer == PacketType::pubrec)) {
      v5.reused_id_message = request->message;
      return;
    }
  }
  v5.reused_id_statement = {};  // not a request (a policed PUBLISH): nothing to cite
}

namespace {

// The duties a reused-id message was owed when the server accepted it now cite the reuse rule; the general rule
// they replace is judged with it.
void cite_reuse_in_duties(ModelState& model, const Connection& conn) {
  const auto& v5 = conn.v5;
  const auto owed = model.duties_by_message.find(v5.reused_id_message);
  if (owed == model.duties_by_message.end()) return;
  const std::string general = "MQTT-4.5.0-1";
  const std::string statement = detail::v5(v5.reused_id_statement);
  for (const auto duty_index : owed->second) {
    auto& duty = model.duties[duty_index];
    if (duty.statement != general || duty.redelivery_id || duty.retained_copy) continue;
    duty.statement = statement;
    if (std::find(duty.judged_with.begin(), duty.judged_with.end(), general) == duty.judged_with.end()) {
      duty.judged_with.push_back(general);
    }
    if (!duty.settled) {
      duty.description += " (a new message, published with packet id " + std::to_string(v5.reused_id) +
                          " after the server had ended the exchange that used it before)";
    }
    model.exercise(statement);
  }
}

}  // namespace

void on_server_exchange_answer(ModelState& model, Connection& conn, PacketType type, std::uint16_t packet_id,
                               std::uint8_t reason_code) {
  auto& v5 = conn.v5;
  const bool accepted = reason_code < 0x80;
  if (!v5.reused_id_statement.empty() && packet_id == v5.reused_id &&
      (type == PacketType::puback || type == PacketType::pubrec)) {
    if (accepted && v5.reused_id_message != no_message) cite_reuse_in_duties(model, conn);
    v5.reused_id_statement = {};
  }
  // The exchanges the server ends: its PUBACK [MQTT-4.3.2-5], its PUBCOMP [MQTT-4.3.3-12], its refusing PUBREC
  // [MQTT-4.3.3-9]; a PUBREC below 0x80 leaves the QoS 2 exchange open until PUBREL.
  if (type == PacketType::puback) {
    v5.ended_exchange_statement = "MQTT-4.3.2-5";
  } else if (type == PacketType::pubcomp) {
    v5.ended_exchange_statement = "MQTT-4.3.3-12";
  } else if (type == PacketType::pubrec && !accepted) {
    v5.ended_exchange_statement = "MQTT-4.3.3-9";
  } else {
    return;
  }
  v5.ended_exchange_id = packet_id;
}

}  // namespace mqtt::model::detail
