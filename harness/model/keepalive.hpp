// Keep alive [MQTT-3.1.2-24]: a server that hears nothing from a client for 1.5 x its keep alive must close
// the connection. The checker allows the timer granularity on top (CheckOptions::keepalive_grace_ns, 1 s
// unless a profile says otherwise) and judges lateness beyond it as the MUST violation, with the measured
// delay.
//
// How the silence is measured, so that a verdict never rests on the harness's own timing:
// - it starts at the latest moment the server can have read the client's last packet: the arrival of the
//   server's answer to it when one came (CONNACK, PINGRESP, SUBACK, ...), else the moment it was sent;
// - it ends at an event on that connection: the server's close, anything sent or received on it, or the
//   client's own close. Nothing else proves the server kept the connection, so the end of a history that
//   simply stopped seeing a connection is never measured as silence (it is left unresolved);
// - the end is the earliest time the event can have happened (history::earliest_time): when the harness's
//   loop was late it recorded, on the event, when it last looked (Event::looked_ns), and a close it noticed
//   late is measured from there;
// - lateness must exceed the grace by keepalive_observation_slack_ns before it is a violation.
// A client that sent DISCONNECT is owed no keep-alive timing, and neither is a connection the fault layer
// touched (the checker cannot see when the broker last heard from it).
#pragma once

#include <cstdint>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The harness learns of a close when its read returns, after the broker closed, and time-stamps events in
// its own process. A loop that was late by more than client::loop_lag_recorded_above (60 ms) records when it
// last looked, and the close is measured from there; below that, this slack covers the delay. A broker that sweeps on whole seconds
// (the legal variation keepalive-whole-seconds) closes up to, never beyond, one 1 s tick late, so without
// this slack the harness's own delay could push a legal close past a 1 s grace. Lateness is reported to
// 0.1 s, so a violation always reads at least 0.1 s above the grace.
inline constexpr std::int64_t keepalive_observation_slack_ns = 100'000'000;

// The client sent (or, at `open`, began) something on `conn`: its silence restarts.
void note_client_activity(Connection& conn, const Event& event);
// The client's packet, once decoded: remember which answer would prove the server had read it.
void await_answer(Connection& conn, const Packet& packet);
// A packet from the server: if it answers the client's last packet, the server had read that packet by now.
void note_server_answer(Connection& conn, const Packet& packet, const Event& event);

// Any event on `conn` after the deadline of the client's silence proves the server kept it too long.
void check_keepalive_proof(ModelState& model, Connection& conn, const Event& event);
// The server closed `conn`: later than the grace past 1.5 x keep alive of silence is a violation; past
// 1.5 x keep alive by more than CheckOptions::prompt_close_ns but within the grace, observed behaviour.
void check_keepalive_close(ModelState& model, Connection& conn, const Event& event);
// End of the history with `conn` still open: silence up to the end proves nothing, since the history may
// simply have stopped seeing the connection (a capture excerpt). Unresolved if the deadline had passed.
void finish_keepalive(ModelState& model, Connection& conn, std::int64_t end_time);

// How long after a faulted connection's close its will may take to appear: 1.5 x keep alive plus a
// detection tolerance of at least faulted_detection_tolerance_ns. The fault hid when the broker last heard
// from the client, so its keep-alive lateness cannot be measured; a late will there is not pinned on the
// will.
inline constexpr std::int64_t faulted_detection_tolerance_ns = 10'000'000'000;
std::int64_t faulted_will_detection_ns(const ModelState& model, const Connection& conn);

}  // namespace mqtt::model::detail
