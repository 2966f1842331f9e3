// MQTT 5.0 Subscription Identifiers on overlapping subscriptions (section 3.3.4). When several subscriptions of a
// session match a message and every one has an identifier, the server either sends one copy carrying all their
// identifiers [MQTT-3.3.4-4] or one copy per subscription, each carrying its own [MQTT-3.3.4-5]; a copy with no
// identifier at all is MQTT-3.3.4-3's (v5_subscription_options.cpp). Which of the two the server chose is known
// only once all copies of the message have arrived: the rule waits for a copy of a later message from the same
// publisher on the same topic at the same QoS, which an ordered server sends after every copy of the earlier one
// [MQTT-4.6.0-5], and judges then. Without that proof nothing is judged.
#pragma once

#include <set>
#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// An ordinary copy on a 5.0 connection through `possible` records, carrying the identifiers in `carried`: judge
// the earlier messages this copy proves complete, and remember it when it is a first send carrying identifiers
// and the subscriptions overlap, all with identifiers and the same grant.
void note_identified_overlap_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                                  const RecordList& possible, const std::set<std::uint32_t>& carried,
                                  const Event& event);

}  // namespace mqtt::model::detail
