// MQTT 5.0 shared subscriptions ('$share/{group}/{filter}', section 4.8.2), the duties the model judges beyond
// "one member, the server's choice" (which it never owes): a copy sent through a shared subscription respects the
// QoS the member was granted [MQTT-4.8.2-3, judged in delivery.cpp with the other grants], and a QoS 2 delivery
// the server began with one member stays that member's: it is completed with it when it comes back
// [MQTT-4.8.2-4] and never handed to another member, not even once the member's session has ended
// [MQTT-4.8.2-5]. A QoS 1 delivery may move to another member (shared-redispatch variations), so only QoS 2
// copies are followed.
#pragma once

#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// An ordinary copy on a 5.0 connection through the `possible` records: when one is shared, exercise the grant
// rule where the grant is below the published QoS, remember the member a message went to first, and judge a copy
// of a message another member's lost connection still holds at QoS 2.
void check_shared_copy(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                       const RecordList& possible, const Event& event);

// A copy on `conn` that no subscription possible at the message's publication explains: true when it is a
// message moved from a lost member of a share group `conn` joined later (judged when the move was of QoS 2).
bool moved_shared_copy(ModelState& model, const Connection& conn, std::size_t index, const Event& event);

// A QoS 0 or 1 PUBLISH still unacknowledged when the 5.0 session `client_id`/`generation` lost its connection,
// sent through a share group that has another member: the server may have given it to that member, so it is
// not owed to the resumed session.
bool may_have_moved_to_another_member(const ModelState& model, const std::string& client_id, std::uint64_t generation,
                                      const ServerFlight& flight);

// End of history: every QoS 2 delivery whose member lost its connection while another member of the group was
// subscribed is a move that could have happened; MQTT-4.8.2-5 (member's session ended) or MQTT-4.8.2-4 (it
// lives on) was judged by every copy that arrived after the loss.
void finish_shared_deliveries(ModelState& model);

}  // namespace mqtt::model::detail
