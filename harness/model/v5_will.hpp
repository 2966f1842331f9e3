// The MQTT 5.0 will: its Will Delay Interval (published once the connection has closed and the delay, or the
// session if it ends sooner, has run out), a reconnect of the client id before that cancelling it, and
// DISCONNECT 0x04 keeping it where 0x00 discards it [MQTT-3.1.2-8, MQTT-3.1.3-9, MQTT-3.14.4-3]. Timed from the
// close, with 1 s allowed for the server's timer. Each verdict takes the bound of the close that favours the
// broker (v5_session_expiry.hpp): "published too early" and "the reconnect came before the delay ran out" count
// the delay from the earliest the server can have closed; "the delay had run out" from the close as noticed.
#pragma once

#include <cstdint>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The will of the 5.0 connection `conn` becomes due at its close: how long after it (ns) it may wait.
std::int64_t delay_will(ModelState& model, const Connection& conn, const Event& event);

// An accepted CONNACK for a 5.0 client id: a will still waiting for its delay is cancelled.
void cancel_delayed_will(ModelState& model, const Connection& conn, const Session& session, const Event& event);

// A copy of the will of the 5.0 connection `owner` arrived: not before its delay, never after a reconnect
// that cancelled it.
void check_delayed_will_copy(ModelState& model, const Connection& owner, std::size_t index, const Event& event);

// End of the history: a will that came early and no reconnect explained.
void finish_delayed_wills(ModelState& model);

}  // namespace mqtt::model::detail
