// MQTT 5.0: once a QoS 2 PUBLISH has gone out, its Message Expiry Interval no longer applies to it [MQTT-4.3.3-7].
// An unacknowledged QoS 2 delivery is still owed again when the session resumes after the message expired: the
// re-send duty (MQTT-4.4.0-1) cites this statement when the expiry had certainly run out before the CONNECT, and
// such a re-send is not a delivery past expiry (MQTT-3.3.2-5 is about messages whose onward delivery had not begun).
#pragma once

#include <cstddef>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// After an accepted 5.0 CONNACK that resumed the session (its re-send duties exist by then).
void cite_expired_in_flight(ModelState& model, const Connection& conn);

// `publish` on `conn` re-sends message `index` whose onward delivery to this session began on an earlier
// connection (an owed re-send, settled or not, with that packet id).
bool resends_begun_delivery(const ModelState& model, const Connection& conn, const Publish& publish,
                            std::size_t index);

}  // namespace mqtt::model::detail
