// Connection lifecycle and sessions: CONNECT and CONNACK (first packet, return codes, credentials, empty
// client ids), session generations under clean session 0/1 and the session present flag, client id takeover,
// and what a close settles (requests and deliveries owed, the will, the session going offline or ending);
// faults and credential notes from the runner [MQTT-3.2.0-1, MQTT-3.2.2-1 .. MQTT-3.2.2-5, MQTT-3.1.2-4,
// MQTT-3.1.2-6, MQTT-3.1.3-5, MQTT-3.1.3-6, MQTT-3.1.4-1, MQTT-3.1.4-2, MQTT-3.1.4-4].
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

void on_connect(ModelState& model, Connection& conn, const Connect& connect, const Event& event);
void on_connack(ModelState& model, Connection& conn, const Connack& connack, const Event& event);
void on_connection_closed(ModelState& model, const Event& event);
void on_fault(ModelState& model, const Event& event);
void on_note(ModelState& model, const Event& event);

}  // namespace mqtt::model::detail
