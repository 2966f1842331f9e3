// MQTT 5.0 DISCONNECT in both directions, and AUTH. From the client: reason 0x00 discards the will, any other
// reason (0x04 Disconnect with Will Message) keeps it; a Session Expiry Interval changes the session's expiry.
// From the server: only after a successful CONNACK [MQTT-3.14.0-1], with a reason code a server may send
// [MQTT-3.14.2-1: 0x04 is the client's], nothing after it [MQTT-3.14.4-1] and a close [MQTT-3.14.4-2]; a
// DISCONNECT refusing a topic alias the server allowed breaks MQTT-3.3.2-12. AUTH only with an Authentication
// Method in the CONNECT [MQTT-4.12.0-6, MQTT-4.12.0-7].
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

void on_v5_client_disconnect(ModelState& model, Connection& conn, const Disconnect& disconnect, const Event& event);
void on_v5_server_disconnect(ModelState& model, Connection& conn, const Disconnect& disconnect, const Event& event);
// The connection closed: a server that sent DISCONNECT and left the closing to the client, past the grace.
void on_v5_close(ModelState& model, const Connection& conn, const Event& event, bool by_server);

void on_v5_client_auth(ModelState& model, Connection& conn, const Event& event);
void on_v5_server_auth(ModelState& model, const Connection& conn, const Event& event);

}  // namespace mqtt::model::detail
