// Ordering: messages one publisher sent on one topic at one QoS reach each subscriber in publish order
// (judged on each message's first arrival; wills, re-publications and re-sends are left out) [MQTT-4.6.0-6].
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

void check_order(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                 const Event& event);

}  // namespace mqtt::model::detail
