// Delivery duties: what the broker owes a session once it owns a message (every session with a definite
// matching subscription gets it at the lower of the published and granted QoS, queued while a persistent
// session is offline), unacknowledged messages re-sent with DUP when a session resumes, and how a duty is
// settled, excused or proven unmet [MQTT-4.5.0-1, MQTT-3.1.2-5, MQTT-3.8.4-6, MQTT-3.3.5-1, MQTT-3.8.4-3,
// MQTT-4.4.0-1, MQTT-3.3.1-1].
#pragma once

#include <string>
#include <vector>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The broker has taken ownership of a message: every session with a definite matching subscription is owed
// it.
void create_delivery_duties(ModelState& model, std::size_t index, std::int64_t owned_at,
                            std::vector<std::uint64_t> evidence);

// A copy of `index` reached `conn` at `publish.qos`: the duties it meets are settled.
void settle_duties(ModelState& model, Connection& conn, std::size_t index, const Publish& publish,
                   const Event& event, bool retained_copy);

// The server flights of a connection a persistent session leaves are owed again when it resumes.
void remember_redeliveries(const Connection& previous, Session& session);
// The session resumed on `conn`: queued duties fall due, unacknowledged flights are owed again with DUP.
void resume_session_deliveries(ModelState& model, Connection& conn, Session& session, const Event& event);

// Delivery duties bound to a connection that the client side closed: a deadline already past is proven unmet.
void judge_duties_at_client_close(ModelState& model, Connection& conn, const Event& event);

void outstanding_deliveries(const ModelState& model, std::vector<Expectation>& result);
void finish_delivery_duties(ModelState& model, std::int64_t end_time);

}  // namespace mqtt::model::detail
