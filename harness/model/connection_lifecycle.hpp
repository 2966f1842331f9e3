// Connection lifecycle and sessions: CONNECT and CONNACK (first packet, return codes, credentials, empty
// client ids), session generations under clean session 0/1 and the session present flag, client id takeover,
// and what a close settles (requests and deliveries owed, the will, the session going offline or ending);
// faults and credential notes from the runner [MQTT-3.2.0-1, MQTT-3.2.2-1 .. MQTT-3.2.2-5, MQTT-3.1.2-4,
// MQTT-3.1.2-6, MQTT-3.1.3-5, MQTT-3.1.3-6, MQTT-3.1.4-1, MQTT-3.1.4-2, MQTT-3.1.4-4].
#pragma once

#include <string>
#include <string_view>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// Session generations: a generation is one life of a session (it ends with a clean session or an expiry);
// a doubted one is a stored session a CONNACK said was not there (shared with v5_session_expiry.cpp).
void end_generation(ModelState& model, const std::string& client_id, std::int64_t time, std::uint64_t sequence);
void doubt_session(ModelState& model, Connection& conn, Session& session, const Event& event);
void start_generation(ModelState& model, Session& session, bool persistent, bool subscriptions_known);

void on_connect(ModelState& model, Connection& conn, const Connect& connect, const Event& event);
void on_connack(ModelState& model, Connection& conn, const Connack& connack, const Event& event);
void on_connection_closed(ModelState& model, const Event& event);
// End of the history: a CONNECT still unanswered is unresolved.
void finish_connection(ModelState& model, const Connection& conn, std::int64_t end_time);
// The runner's record of a broker restart (simulator/broker_restart.cpp): the fault of connection 0 before the
// broker stops, and the note when a restart so recorded was skipped after all.
inline constexpr std::string_view broker_restart_fault = "broker-restart";
inline constexpr std::string_view broker_restart_skipped_note = "broker-restart skipped";
void on_fault(ModelState& model, const Event& event);
void on_note(ModelState& model, const Event& event);

}  // namespace mqtt::model::detail
