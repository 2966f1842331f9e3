// The retained store: which retained versions of a topic a new subscription may receive, the copy owed to a
// new subscription, and the RETAIN flag on what the broker sends [MQTT-3.3.1-5 .. MQTT-3.3.1-12,
// MQTT-3.1.2-16, MQTT-3.1.2-17].
#pragma once

#include <string>
#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

struct RetainedCandidates {
  std::vector<std::size_t> versions;  // retained publishes (may be empty-payload deletes)
  bool prior_unknown = false;         // the state before the history may still show through
};

// Which retained versions of `topic` a subscription processed somewhere in [from, to] may receive.
RetainedCandidates retained_candidates(const ModelState& model, const std::string& topic, std::int64_t from,
                                       std::int64_t to);

// A client published with RETAIN=1: a new version of the topic's retained message (or its deletion).
void store_retained_publish(ModelState& model, const Publish& publish, std::size_t index);
// A will with Will Retain=1 was published: a new version of its topic's retained message.
void store_retained_will(ModelState& model, std::size_t index);

// The SUBACK for the record arrived: the retained message its filter matches is owed to the connection.
void create_retained_duties(ModelState& model, const Connection& conn, std::size_t record_index);

// How many new subscriptions of `conn` may have received `index` as their retained message by `received`.
int retained_copy_subscriptions(const ModelState& model, const Connection& conn, std::size_t index,
                                std::int64_t received);

// The statement a retained copy owed to a new subscription breaks when it never arrives: the retained store's
// [MQTT-3.3.1-6], or, for a will that no new subscription ever received although the history shows the
// retained store working, the will's [MQTT-3.1.2-17]. `owed` is the duty's own statement (the retained store's,
// or 5.0's re-send on replacing a subscription [MQTT-3.8.4-4]).
std::string retained_copy_statement(const ModelState& model, std::size_t index, const std::string& owed);

// A delivery with RETAIN=1: a retained copy answering a new subscription, or a flag the broker had no right
// to set.
void on_retained_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                      const Event& event);

// A delivery with RETAIN=0 that no subscription could carry as an ordinary copy but that answers a new
// subscription as the retained message: the missing flag breaks MQTT-3.3.1-8. Returns whether it did.
bool retained_answer_without_flag(ModelState& model, Connection& conn, const Publish& publish,
                                  std::size_t index, const Event& event);

}  // namespace mqtt::model::detail
