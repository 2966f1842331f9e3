// MQTT 5.0 deliveries the client refused: a PUBACK or PUBREC with a reason code of 0x80 or above still
// acknowledges the PUBLISH, so the server never sends it again, not even when the session resumes
// [MQTT-4.4.0-2]; through a shared subscription the message is discarded, never offered to another member
// [MQTT-4.8.2-6].
#pragma once

#include <cstdint>
#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The client of the 5.0 connection `conn` answered the server's PUBLISH `packet_id` with a reason code of 0x80
// or above (called before the flight is settled).
void note_rejected_delivery(ModelState& model, const Connection& conn, std::uint16_t packet_id, const Event& event);

// An ordinary copy of `index` on the 5.0 connection `conn`: the same session being sent a refused message
// again (DUP=1 or the refused packet id) breaks MQTT-4.4.0-2.
void check_rejected_resend(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                           const Event& event);

// The refusal of `index` by a member of `group`, if one came before `time` (nullptr otherwise).
const RejectedDelivery* rejected_by_member(const ModelState& model, std::size_t index, const std::string& group,
                                           std::int64_t time);

// A 5.0 session resumed: a message it refused is one the server could send again, so the rule is exercised.
void exercise_rejections_at_resume(ModelState& model, const Session& session);

// End of history: a refusal through a share group that had another member afterwards could have been
// redistributed; that rule was exercised.
void finish_rejected_deliveries(ModelState& model);

}  // namespace mqtt::model::detail
