// MQTT 5.0 Maximum Packet Size declared by the client, judged on the encoded size the history records for every
// packet the server sends on that connection: nothing larger [MQTT-3.1.2-24]; a PUBLISH too large is discarded,
// never sent [MQTT-3.1.2-25]; and a CONNACK, acknowledgement, DISCONNECT or AUTH goes without its Reason String
// and User Properties rather than above the limit [MQTT-3.2.2-19, MQTT-3.2.2-20, MQTT-3.4.2-2 ... MQTT-3.7.2-3,
// MQTT-3.9.2-1, MQTT-3.9.2-2, MQTT-3.11.2-1, MQTT-3.11.2-2, MQTT-3.14.2-3, MQTT-3.14.2-4, MQTT-3.15.2-2,
// MQTT-3.15.2-3]. Each oversized packet is cited once, under the most specific statement it breaks.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// Any packet from the server on a 5.0 connection whose CONNECT declared a Maximum Packet Size.
void check_server_packet_size(ModelState& model, const Connection& conn, const Packet& packet, const Event& event);

}  // namespace mqtt::model::detail
