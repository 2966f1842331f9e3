// MQTT 5.0 flow limits and what the CONNACK's capabilities bind: the client's Maximum Packet Size (judged in
// v5_packet_size.cpp), no more unacknowledged QoS 1/2 PUBLISH packets than its
// Receive Maximum [MQTT-3.3.4-9]; topic aliases in both directions (the server's within the client's Topic
// Alias Maximum [MQTT-3.1.2-26, MQTT-3.1.2-27], the client's within the server's, which the server must accept
// [MQTT-3.3.2-12], each resolved so later rules see topic names); a client PUBLISH above the declared Maximum QoS
// or with RETAIN 1 after Retain Available 0 is a protocol error the server must close on [MQTT-3.2.2-11,
// MQTT-3.2.2-14]; reason strings and user properties only where the client's Request Problem Information
// allows [MQTT-3.1.2-29].
#pragma once

#include <optional>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// Any packet from the server on a 5.0 connection: its size and the properties it may carry.
void check_v5_server_packet(ModelState& model, Connection& conn, const Packet& packet, const Event& event);

// A PUBLISH from the server: its topic alias resolved (nullopt: an alias never set on this connection, so
// the copy cannot be attributed and is not judged further).
std::optional<Publish> resolve_server_alias(ModelState& model, Connection& conn, const Publish& publish,
                                            const Event& event);

// After a server PUBLISH was recorded in flight: the client's Receive Maximum.
void check_receive_maximum(ModelState& model, const Connection& conn, const Publish& publish, const Event& event);

// Whether a copy of `message` to `conn` might be too large for the Maximum Packet Size the client declared: such
// a copy the server must discard, not send [MQTT-3.1.2-25], so it is owed only when even the largest form a
// server may give it (the full topic, its own aliases, subscription identifiers, a reduced expiry) fits.
bool may_exceed_client_maximum(const ModelState& model, const Connection& conn, std::size_t message);

// A PUBLISH from the client: police the CONNACK's limits and resolve its topic alias. nullopt: the server owes
// a close (policing) and the PUBLISH is not acted on.
std::optional<Publish> admit_client_publish(ModelState& model, Connection& conn, const Publish& publish,
                                            const Event& event);

}  // namespace mqtt::model::detail
