// MQTT 5.0 sessions: Clean Start and Session Present, and the Session Expiry Interval (0: the session ends
// with the connection; n: it outlives it by n seconds; 0xFFFFFFFF: it never expires; a DISCONNECT may change
// it). A session present 0 for a session that cannot have expired yet breaks MQTT-3.1.2-23 (the session was
// discarded early); a session present 1 for a session that had certainly expired breaks MQTT-4.1.0-2 (kept
// past its expiry). Expiry is timed from the close, with 1 s allowed either way for the server's timer
// granularity; a reconnect inside that window may find the session or not.
//
// When the close happened is known only within bounds, and each verdict takes the bound that favours the
// broker: the harness notices a close when its loop gets to it, so the close as recorded is the latest the
// server can have closed (it can only shorten the offline period a "kept past expiry" verdict measures), and
// its earliest time (history::earliest_time, Event::looked_ns: when the loop last looked before it), or the
// sending of a DISCONNECT, is the earliest: "discarded early" counts the expiry from there, so a close the
// harness noticed late never makes a session look discarded before its time.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// How far a server's expiry or delay timer may be off: one tick of a timer that counts whole seconds.
inline constexpr std::int64_t v5_timer_granularity_ns = 1'000'000'000;

// The earliest the server can have ended `conn`, closed by `event`: the close's earliest time, or the sending of
// the client's DISCONNECT if that came first.
std::int64_t earliest_server_close(const Connection& conn, const Event& event);

// Accepted CONNACK on a 5.0 connection: Clean Start, Session Present and expiry decide the session generation.
void v5_session_at_connack(ModelState& model, Connection& conn, Session& session, const Connack& connack,
                           const Event& event);

// The 5.0 connection carrying `session` closed: the session is persistent exactly when its expiry is above 0.
void v5_session_at_close(const Connection& conn, Session& session, const Event& event);

}  // namespace mqtt::model::detail
