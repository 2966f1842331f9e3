// MQTT 5.0 CONNECT and CONNACK: what the client declares (Session Expiry, Receive Maximum, Maximum Packet Size,
// Topic Alias Maximum, Request Response / Problem Information, Authentication Method, Will Delay) and what the
// server's CONNACK declares in return, which binds what the checker expects afterwards: Maximum QoS, Retain
// Available, Topic Alias Maximum, Server Keep Alive (replacing the client's keep alive for the keep-alive rule),
// Session Expiry Interval, and the Assigned Client Identifier for an empty client id [MQTT-3.2.2-16,
// MQTT-3.1.3-7, MQTT-3.1.2-28, MQTT-4.12.0-6, MQTT-3.2.2-22], and a will the declared Maximum QoS or Retain
// Available forbids [MQTT-3.2.2-12, MQTT-3.2.2-13].
#pragma once

#include <string>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

void read_v5_connect(Connection& conn, const Connect& connect);

// An accepted 5.0 CONNACK: records its capabilities and judges its properties. Returns the client id the
// session is keyed by (the Assigned Client Identifier for an empty client id; a generated one if the server
// assigned none, which breaks MQTT-3.2.2-16).
std::string on_v5_connack(ModelState& model, Connection& conn, const Connack& connack, const Event& event);

// A refusal the CONNECT's will invited, which leaves nothing unresolved: 0x9B (QoS not supported) for a will of
// QoS 1 or 2 [MQTT-3.2.2-12], 0x9A (Retain not supported) for Will Retain 1 [MQTT-3.2.2-13]. The CONNACK is
// judged as any refusal (session present 0, then the close).
bool will_refusal_invited(ModelState& model, const Connection& conn, std::uint8_t code);

// CONNACK codes that mean the same as the 3.1.1 return codes the shared rules test for.
std::uint8_t identifier_rejected_code(ProtocolVersion version);        // 2, or 0x85 in 5.0
bool credentials_refusal_code(ProtocolVersion version, std::uint8_t code);  // 4/5, or 0x86/0x87/0x8C in 5.0

}  // namespace mqtt::model::detail
