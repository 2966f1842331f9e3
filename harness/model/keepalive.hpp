// Keep alive: a server that lets a connection stay silent longer than 1.5 x its keep alive (plus the
// configured tolerance for periodic sweeps) must have closed it; a close past 1.5 x keep alive but within the
// tolerance is observed, not failed [MQTT-3.1.2-24].
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// Any event after the deadline of the client's silence proves the server kept the connection too long.
void check_keepalive_proof(ModelState& model, Connection& conn, const Event& event);
// The server closed a silent connection: beyond the tolerance it is a violation; past 1.5 x keep alive but
// within the tolerance it is what periodic keep-alive sweeps do, shown as observed behaviour.
void check_late_keepalive_close(ModelState& model, Connection& conn, const Event& event);
void finish_keepalive(ModelState& model, Connection& conn, std::int64_t end_time);

}  // namespace mqtt::model::detail
