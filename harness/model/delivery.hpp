// Deliveries: each PUBLISH the server sends is matched to the message it carries and judged (never above the
// published or granted QoS, exactly once for QoS 2, not after a refused CONNECT), and the server's own QoS
// 1/2 flows to the client are followed (packet ids not reused while in flight, PUBREL only after PUBREC)
// [MQTT-3.8.4-6, MQTT-4.3.3-1, MQTT-4.3.3-2, MQTT-3.1.4-5, MQTT-2.3.1-4, MQTT-2.3.1-6].
#pragma once

#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// Returns the message the copy was attributed to (no_message when none).
std::size_t on_delivery(ModelState& model, Connection& conn, const Publish& publish, const Event& event);

// The client's PUBACK, PUBREC or PUBCOMP for a PUBLISH the server sent.
void on_client_ack(ModelState& model, Connection& conn, std::uint16_t packet_id, PacketType type,
                   const Event& event);
void on_server_pubrel(ModelState& model, Connection& conn, std::uint16_t packet_id, const Event& event);

// PUBREL owed for the server's QoS 2 flows that the client answered with PUBREC.
void outstanding_releases(const Connection& conn, std::vector<Expectation>& result);
void finish_releases(ModelState& model, const Connection& conn, std::int64_t end_time);

}  // namespace mqtt::model::detail
