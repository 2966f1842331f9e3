// Subscriptions: SUBSCRIBE and SUBACK (granted QoS, one return code per filter, invalid filters refused),
// identical filters replacing each other, UNSUBSCRIBE and UNSUBACK, and which subscriptions of a session
// could have carried a delivery; a delivery none could carry names the rule it breaks [MQTT-3.8.4-*,
// MQTT-3.9.3-*, MQTT-3.10.4-*, MQTT-3.3.2-3, MQTT-4.7.2-1, MQTT-3.1.2-6].
#pragma once

#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

void on_client_subscribe(ModelState& model, Connection& conn, const Subscribe& subscribe, const Event& event);
void on_client_unsubscribe(ModelState& model, Connection& conn, const Unsubscribe& unsubscribe,
                           const Event& event);
void on_suback(ModelState& model, Connection& conn, const Suback& suback, const Event& event);
// The UNSUBACK for the UNSUBSCRIBE at `request_sequence` arrived: the records it ended are gone by now.
void end_unsubscribed_records(ModelState& model, const Connection& conn, std::uint64_t request_sequence,
                              const Event& event);

// A judgement relied on `filter` matching a topic: its wildcards were exercised [MQTT-4.7.1-2, MQTT-4.7.1-3].
void exercise_wildcards(ModelState& model, const std::string& filter);

// Records of this session that could have carried `message` as an ordinary delivery.
RecordList normal_copy_records(const ModelState& model, const Connection& conn, std::size_t index,
                               std::int64_t received);
bool possible_normal_copy(const ModelState& model, const Connection& conn, std::size_t index,
                          std::int64_t received);

// A message reached `conn` although no subscription of its session could carry it: which rule that breaks.
void judge_delivery_without_subscription(ModelState& model, const Connection& conn, std::size_t index,
                                         const Event& event);

}  // namespace mqtt::model::detail
