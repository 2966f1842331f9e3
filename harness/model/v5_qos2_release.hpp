// MQTT 5.0: once the server has sent PUBREL for a QoS 2 delivery it never sends that PUBLISH again
// [MQTT-4.3.3-6], neither on the same connection nor when the session resumes (then the PUBREL is what it re-sends,
// MQTT-4.4.0-1). The session keeps the released packet ids until the client's PUBCOMP, or until it ends (a CONNACK
// with Session Present 0).
#pragma once

#include <cstdint>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The server's PUBREL on the 5.0 connection `conn`, after it was dispatched (the flight is marked released).
void note_server_release(ModelState& model, const Connection& conn, std::uint16_t packet_id);

// The client's PUBCOMP on the 5.0 connection `conn`: the exchange is complete, the id free again.
void note_client_completion(ModelState& model, const Connection& conn, std::uint16_t packet_id);

// An accepted 5.0 CONNACK: a new session has no released exchanges; a resumed one that has some gives the server
// the chance to re-send their PUBLISH, so the rule is exercised.
void on_connack_released_exchanges(ModelState& model, const Connection& conn, bool session_present);

// A QoS 2 PUBLISH from the server on the 5.0 connection `conn` (message `index`, no_message when unknown): the
// PUBLISH of an exchange whose PUBREL the server already sent breaks MQTT-4.3.3-6.
void check_publish_after_release(ModelState& model, const Connection& conn, const Publish& publish,
                                 std::size_t index, const Event& event);

}  // namespace mqtt::model::detail
