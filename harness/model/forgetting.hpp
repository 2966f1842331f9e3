// Forgetting what is settled: the model drops a message once nothing more can be owed for it, and a closed
// connection once nothing more can be owed on or about it, so a long history is judged in memory that follows the
// devices, the messages in flight and the retained topics, not the number of messages or connections. Where each
// rule's memory goes (docs/architecture.md, "How the checker forgets"):
// - a message stays while any duty for it is open, any request, flight, re-send owed, unconfirmed QoS 0
//   publication whose confirmation could still owe a copy (some session it would be owed to holds none yet) or
//   delayed will names it, while it came from a refused connection, while its publisher still
//   waits for its CONNACK, and while the retained store holds it (below). A will stays while its connection is
//   open; at the close it is published (its duties then hold it) or discarded;
// - the retained store holds every version of a topic except those superseded: a later version W was published
//   after the server had processed this one, and W was processed the window ago and before any SUBSCRIBE still
//   waiting for its SUBACK (such a subscriber may get either value). A will nobody received has no known
//   processing time and supersedes nothing. Retained values without a token stay (identical values would move
//   a copy's attribution);
// - once settled it stays `CheckOptions::forget_after_ns` more of history time: a copy the broker invents later
//   (a QoS 2 duplicate [MQTT-4.3.3-1], a DUP flag it does not own [MQTT-3.3.1-3], a copy out of order
//   [MQTT-4.6.0-6] or without a subscription) is judged inside that window and not after it, when the copy
//   can no longer be told from a message the history never showed. Identical publications without a token go
//   only all together;
// - with it go its duties, copy ledgers, key, and the arrivals connections noted of it; the queued-delivery rule
//   keeps the one number it needs of forgotten messages in the session (Session::forgotten_queued_processed);
// - a closed connection's arrival marks and ordering marks go at the next sweep (nothing arrives on it any
//   more; ordering is per receiving connection);
// - a closed connection itself goes the window after its close once none of its messages (its will included) is
//   left, no retained copy is owed to it, its close duties are settled, and no session, delayed will, shared or
//   refused delivery names it, nor the will rule (a connection without a will that ended without DISCONNECT
//   stays while an earlier will of its client id is tracked). Its session keeps two marks for the will rules
//   (Session::forgotten_with_will, forgotten_will_gone); its id joins `forgotten_connections`, and later events
//   on it are not judged. The session of a server-generated client id goes with its connection;
// - a subscription record made on a 3.1.1 clean-session connection becomes a candidate when that connection is
//   forgotten, if a later clean session already replaced its session (ModelState::records_to_forget), and goes
//   once it ended before every message still tracked was published. Not yet: records of persistent sessions
//   and of 5.0 connections, 5.0 sessions past their expiry, and `rejected_deliveries` (5.0, read at finish).
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

StateSize state_size(const ModelState& model, StateDetail detail = StateDetail::full);

}  // namespace mqtt::model::detail
