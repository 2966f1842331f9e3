// Policing: what the server owes when the client breaks the protocol (close the connection, never answer the
// offending packet as if it were fine, or first answer a CONNACK with a given code), and bytes from the
// server that do not decode [MQTT-4.8.0-1, MQTT-3.1.0-1, MQTT-3.1.0-2, MQTT-2.2.2-2, MQTT-3.1.2-2,
// MQTT-3.1.3-8, ...].
#pragma once

#include <string>
#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The server must close `conn`: a close duty whose finding is reported if the server does not.
void add_close_duty(ModelState& model, Connection& conn, std::string statement, std::string message,
                    std::vector<std::uint64_t> evidence, std::int64_t since);

// The duty's close (or failure to close) also judges these statements.
void judged_also(CloseDuty& duty, const std::vector<std::string>& statements);

// The client sent something the spec forbids: the server must close the connection.
CloseDuty& client_violation(ModelState& model, Connection& conn, const Event& event, std::string statement,
                            std::string what);

// The client broke the protocol: the server must close [MQTT-4.8.0-1]; `broken_rules` are the client rules the
// packet broke (client_rules.hpp), judged together with the close.
CloseDuty& protocol_violation(ModelState& model, Connection& conn, const Event& event, std::string statement,
                              std::string what, const std::vector<std::string>& broken_rules);

// A CONNECT the server must refuse with a non-zero return code, whether or not it decoded.
bool refusal_owed(const Connection& conn);

void on_client_malformed(ModelState& model, Connection& conn, const Event& event, const DecodeError& error);
void first_packet_not_connect(ModelState& model, Connection& conn, PacketType type, const Event& event);
void second_connect(ModelState& model, Connection& conn, const Event& event);
void server_only_packet(ModelState& model, Connection& conn, PacketType type, const Event& event);

// Some received packets are the answer the server would give had it accepted a forbidden packet.
void check_forbidden_answers(ModelState& model, Connection& conn, const Packet& packet, const Event& event);
// Any event past a close duty's grace proves the server kept the connection open too long.
void check_close_duty_proof(ModelState& model, Connection& conn, const Event& event);
// The connection closed: a server close settles every close duty (a CONNACK it still owed is a violation).
void settle_close_duties_at_close(ModelState& model, Connection& conn, const Event& event, bool by_server);

// A 5.0 server packet that decoded: the codec checked its reserved flags and reason codes, and would have made
// bytes breaking them a decode error (on_server_decode_error), so those statements were judged.
void exercise_decoded_server_packet(ModelState& model, const Packet& packet, const Event& event);

void on_server_decode_error(ModelState& model, const Event& event);

void outstanding_closes(const Connection& conn, std::vector<Expectation>& result);
void finish_close_duties(ModelState& model, const Connection& conn, std::int64_t end_time);

}  // namespace mqtt::model::detail
