// MQTT 5.0 reason codes of SUBACK and UNSUBACK read against the request they answer: every SUBACK code gives the
// QoS granted or a failure [MQTT-3.8.4-7] (its breach is judged in subscriptions.cpp), and the UNSUBACK codes
// come in the order of the UNSUBSCRIBE's filters [MQTT-3.11.3-1]: a filter the session certainly held is never
// answered "No subscription existed" (0x11).
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// A 5.0 UNSUBSCRIBE, before the subscription unit ends its records: which filters the session certainly held.
void note_v5_unsubscribe(ModelState& model, Connection& conn, const Unsubscribe& unsubscribe, const Event& event);

// A 5.0 UNSUBACK, before it settles its request: its reason codes against the filters noted above.
void check_v5_unsuback(ModelState& model, Connection& conn, const Unsuback& unsuback, const Event& event);

// A 5.0 SUBACK, before it settles its request: each reason code had to say the QoS granted or a failure.
void exercise_v5_suback(ModelState& model, Connection& conn, const Suback& suback);

}  // namespace mqtt::model::detail
