// The will: stored with an accepted CONNECT, published when the connection ends without DISCONNECT (at once,
// or once a faulted connection's keep alive would have expired), retained when Will Retain=1, and never
// published after a DISCONNECT, nor again, nor for a connection without one [MQTT-3.1.2-8, MQTT-3.1.2-10,
// MQTT-3.1.2-12, MQTT-3.1.2-16, MQTT-3.1.2-17, MQTT-3.14.4-3]. The will of a connection a broker restart ended
// (Connection::cut_by_restart) is allowed, not owed: a server that stops need not publish it.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The CONNECT of `conn` was accepted: its will becomes a message the broker may have to publish.
void register_will(ModelState& model, Connection& conn, const Event& event);
// `conn` closed before any CONNACK reached the client: the broker may still have accepted its CONNECT (the CONNACK
// lost in a cut link), so its will, if it had one, may be published. A copy of it is then not "the same will
// again" for an identical will of another connection [MQTT-3.1.2-10].
void note_unconfirmed_will(ModelState& model, const Connection& conn);
// `conn` closed: unless the client sent DISCONNECT, its will is due to every matching session.
void publish_will_at_close(ModelState& model, Connection& conn, const Event& event);
// A will reached `subscriber`: not allowed when its client had sent DISCONNECT first [MQTT-3.14.4-3], when a later
// connection of that client without a will ended [MQTT-3.1.2-12], or as a new copy after it was published
// [MQTT-3.1.2-10].
void check_will_delivery(ModelState& model, const Connection& subscriber, std::size_t index, const Publish& publish,
                         const Event& event);

}  // namespace mqtt::model::detail
