// Forgetting what is settled: the model drops a message once nothing more can be owed for it, so a long history
// is judged in memory that follows the devices, the messages in flight and the retained topics, not the number
// of messages. Where each rule's memory goes (docs/architecture.md, "How the checker forgets"):
// - a message stays while any duty for it is open, any request, flight, re-send owed, unconfirmed QoS 0
//   publication or delayed will names it, while it is retained (retained versions stay) or a will, while it
//   came from a refused connection, and while its publisher still waits for its CONNACK;
// - once settled it stays `CheckOptions::forget_after_ns` more of history time: a copy the broker invents later
//   (a QoS 2 duplicate [MQTT-4.3.3-1], a DUP flag it does not own [MQTT-3.3.1-3], a copy out of order
//   [MQTT-4.6.0-6] or without a subscription) is judged inside that window and not after it, when the copy
//   can no longer be told from a message the history never showed;
// - with it go its duties, copy ledgers, key, and the arrivals connections noted of it; the queued-delivery rule
//   keeps the one number it needs of forgotten messages in the session (Session::forgotten_queued_processed);
// - a closed connection's arrival marks and ordering marks go at the next sweep (nothing arrives on it any
//   more; ordering is per receiving connection).
// The model has no clock: "now" is the latest event time it was given.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// After each event: sweeps once half as many events as the state holds have passed since the last sweep, so a
// sweep's cost (a walk over the state) is amortised O(1) per event, and a settled message waits at most about
// the window plus two sweep periods.
void forget_when_due(ModelState& model);
// One sweep now.
void forget_settled(ModelState& model);

StateSize state_size(const ModelState& model);

}  // namespace mqtt::model::detail
