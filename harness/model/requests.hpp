// Requests the server must answer: PUBACK and PUBREC for the client's QoS 1/2 PUBLISH, PUBCOMP for its
// PUBREL, SUBACK, UNSUBACK and PINGRESP, each echoing the request's packet id [MQTT-2.3.1-6, MQTT-2.3.1-7,
// MQTT-4.3.2-2, MQTT-4.3.3-2, MQTT-3.8.4-1, MQTT-3.10.4-4, MQTT-3.10.4-5, MQTT-3.12.4-1].
#pragma once

#include <string>
#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

std::vector<Request>::iterator find_request(Connection& conn, PacketType answer, std::uint16_t packet_id);

void add_publish_request(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                         const Event& event);
void on_client_pubrel(ModelState& model, Connection& conn, std::uint16_t packet_id, const Event& event);
void on_client_pingreq(ModelState& model, Connection& conn, const Event& event);

// PUBACK, PUBREC, PUBCOMP, UNSUBACK or PINGRESP from the server (SUBACK: subscriptions.hpp).
// `accepted` false: a 5.0 PUBACK or PUBREC with a reason code of 0x80 or above, refusing the message (the
// server owes no delivery of it).
void on_server_ack(ModelState& model, Connection& conn, std::uint16_t packet_id, PacketType type,
                   const Event& event, bool accepted = true);

std::string request_statement(const Request& request);
std::string request_description(const Request& request);
// Whether the server still owes answers on `conn` (not after a refusal, a client violation, a fault or a
// takeover).
bool requests_owed(const Connection& conn);

// The client ended the connection at `ended_at` (event `ended_by`): answers owed past their grace were never
// sent.
void judge_requests_at_client_close(ModelState& model, const Connection& conn, std::int64_t ended_at,
                                    std::uint64_t ended_by);
void outstanding_requests(const Connection& conn, std::vector<Expectation>& result);
void finish_requests(ModelState& model, const Connection& conn, std::int64_t end_time);

}  // namespace mqtt::model::detail
