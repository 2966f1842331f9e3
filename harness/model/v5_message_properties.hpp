// What a 5.0 message carries to every subscriber: its Message Expiry Interval, reduced by the time it waited in
// the server [MQTT-3.3.2-6], and never delivered once run out [MQTT-3.3.2-5]; the Payload Format Indicator,
// Content Type, Response Topic and Correlation Data unchanged [MQTT-3.3.2-4, -20, -15, -16]; its User
// Properties all there [MQTT-3.3.2-17] and in their order [MQTT-3.3.2-18] (for a will: MQTT-3.1.3-10).
// Times allow 1 s for a server that counts whole seconds.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// A 5.0 PUBLISH (or will) became `message`: remember what the server must pass on.
void remember_message_properties(Message& message, const Properties& properties);

// A copy of `index` reached the 5.0 connection `conn`.
void check_message_properties(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                              const Event& event);

// Whether `index` may have expired before `time` (its expiry, less the timer granularity, had passed since it
// was published): a delivery owed then is no longer owed.
bool may_have_expired(const ModelState& model, std::size_t index, std::int64_t time);

// A 5.0 session resumed on `conn`: a message queued for it while it was away whose Message Expiry Interval had
// certainly run out before the CONNECT (one timer tick allowed) may no longer be delivered; delivering it is what
// check_message_properties would report, so the rule is exercised [MQTT-3.3.2-5].
void exercise_expired_while_offline(ModelState& model, const Connection& conn, const Session& session);

}  // namespace mqtt::model::detail
