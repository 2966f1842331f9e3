// MQTT 5.0 flow control seen from the packets that are not PUBLISH: a server whose send quota towards a client is
// at zero (as many QoS 1/2 PUBLISH packets unacknowledged as the client's Receive Maximum) holds back only further
// PUBLISH packets, never its answers to the client's other packets [MQTT-3.3.4-10]. A request the client sent
// while the quota was zero is marked, and an answer it never gets is reported under that statement.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// After a client packet was dispatched on a 5.0 connection: the request it opened, if any, sent at zero quota.
void note_request_at_zero_quota(ModelState& model, Connection& conn, const Event& event);

// Before a client PUBACK, PUBREC or PUBCOMP (which may give the quota back) is dispatched: a request sent at zero
// quota and still unanswered after the grace was held back with the PUBLISH packets. It is reported and settled
// here, so that a later answer (to the next request of the same kind) is not paired with it.
void judge_answers_held_at_zero_quota(ModelState& model, Connection& conn, const Event& event);

}  // namespace mqtt::model::detail
