// MQTT 5.0 packet identifiers the client reuses once the server has ended their exchange. After the server's
// PUBACK [MQTT-4.3.2-5], its PUBCOMP [MQTT-4.3.3-12] or its PUBREC of 0x80 or above [MQTT-4.3.3-9], a PUBLISH
// carrying the same identifier is a new message, whatever its DUP flag: a server that takes it for a repeat of the
// finished exchange and does not forward it breaks that statement, which the message's delivery duties then cite
// instead of the general MQTT-4.5.0-1. Only the last ended exchange of each connection is remembered (constant
// state per connection): a client reusing an identifier at once is what shows the rule.
#pragma once

#include <cstdint>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The client's QoS 1/2 PUBLISH `publish` on the 5.0 connection `conn`, before it is dispatched: it reuses the id
// of the exchange the server ended last.
void note_client_id_reuse(Connection& conn, const Publish& publish);

// ... after it was dispatched: the message it became (the request it opened names it).
void remember_reused_id_message(Connection& conn);

// The server's PUBACK, PUBREC or PUBCOMP with `packet_id` and `reason_code` on the 5.0 connection `conn`, after
// it was dispatched (the delivery duties of an accepted message exist by then): an accepted PUBLISH that reused
// an ended exchange's id has its duties cite that exchange's statement; an acknowledgement that ends an exchange
// is remembered.
void on_server_exchange_answer(ModelState& model, Connection& conn, PacketType type, std::uint16_t packet_id,
                               std::uint8_t reason_code);

}  // namespace mqtt::model::detail
