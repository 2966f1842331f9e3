// Publications: a client's PUBLISH becomes a message the broker may take ownership of (a new message, the
// same token published again, or a DUP re-send of one still in flight), and answers to later requests prove
// that the broker read the QoS 0 publishes before them.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

void on_client_publish(ModelState& model, Connection& conn, const Publish& publish, const Event& event);
// A PUBLISH after a CONNECT the server refused (or must refuse): never owed to anyone, remembered so that a
// delivery of it is caught [MQTT-3.1.4-5].
void on_publish_after_refusal(ModelState& model, Connection& conn, const Publish& publish, const Event& event);

// Answers to later requests prove the server read the earlier QoS 0 publishes on the same connection.
void confirm_qos0_before(ModelState& model, Connection& conn, std::uint64_t request_sequence,
                         const Event& event);

}  // namespace mqtt::model::detail
