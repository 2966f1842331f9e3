// MQTT 5.0: a network connection gets at most one CONNACK [MQTT-3.2.0-2]. Judged when the client gave the server a
// reason to answer again after its CONNACK (a second CONNECT, or an AUTH: re-authentication ends with AUTH, never a
// CONNACK); a second CONNACK is reported and otherwise ignored.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The client sent `type` on a 5.0 connection.
void note_client_packet_after_connack(ModelState& model, const Connection& conn, PacketType type);

// A CONNACK the server sent on a 5.0 connection that already had one.
void judge_second_connack(ModelState& model, const Connection& conn, const Event& event);

}  // namespace mqtt::model::detail
