// MQTT 5.0 Maximum QoS seen from the server's side (section 3.2.2.3.4). A server that cannot handle QoS 1 or 2
// publishes says so in its CONNACK [MQTT-3.2.2-9]: refusing a PUBLISH with DISCONNECT 0x9B (QoS not supported)
// when the CONNACK allowed its QoS and the client broke no rule shows a limit it never declared. A server that
// declares a Maximum QoS below 2 must still accept a SUBSCRIBE requesting any QoS [MQTT-3.2.2-10]: a request
// above the maximum may be granted less, not refused; the refusal is told apart from one for the filter itself by
// a request for the same filter, in the same SUBSCRIBE, at a QoS within the maximum that the server granted.
// (The client's side, no PUBLISH above the maximum [MQTT-3.2.2-11], is v5_flow.cpp's.)
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// A PUBACK or PUBREC on a 5.0 connection: the server took a QoS 1/2 PUBLISH its CONNACK allowed.
void exercise_declared_maximum_qos(ModelState& model, const Connection& conn);

// The server's DISCONNECT on a 5.0 connection: 0x9B without a client PUBLISH above the declared Maximum QoS.
void judge_undeclared_maximum_qos(ModelState& model, const Connection& conn, const Disconnect& disconnect,
                                  const Event& event);

// A SUBACK on a 5.0 connection whose CONNACK declared a Maximum QoS below 2 (before on_suback settles the request).
void judge_subscription_above_maximum_qos(ModelState& model, Connection& conn, const Suback& suback,
                                          const Event& event);

}  // namespace mqtt::model::detail
