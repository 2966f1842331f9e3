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

// The duty was met or proven unmet: its statement and those it judges with it were exercised.
void exercise_duty(ModelState& model, const DeliveryDuty& duty);

// A settled or cancelled duty is never judged again: only whether it is settled and the few numbers other rules
// compare stay (statement, client id, generation, required QoS, settled_by_new_copy, retained_copy, connection).
// Its text (description, the statements judged with it, its evidence) is what only an unmet duty's verdict cites,
// and most of its memory: it goes (issue 16).
void release_duty_text(DeliveryDuty& duty);

// What the duty owes, as a verdict words it ("message on \"t\" (QoS 1) to client \"c\" at QoS 1 ..."): built
// from the message and the duty for a duty to a subscriber, which carries no sentence of its own.
std::string duty_description(const ModelState& model, const DeliveryDuty& duty);

// The broker has taken ownership of a message: every session with a definite matching subscription is owed
// it.
void create_delivery_duties(ModelState& model, std::size_t index, std::int64_t owned_at,
                            std::vector<std::uint64_t> evidence);

// A copy of `index` reached `conn` at `publish.qos`: the duties it meets are settled.
void settle_duties(ModelState& model, Connection& conn, std::size_t index, const Publish& publish,
                   const Event& event, bool retained_copy);
// The same with the copy's ledger (message, the connection's generation) already at hand: one tree walk less
// per copy.
void settle_duties(ModelState& model, Connection& conn, std::size_t index, const Publish& publish,
                   const Event& event, bool retained_copy, CopyLedger& ledger);

// The server flights of a connection a persistent session leaves are owed again when it resumes.
void remember_redeliveries(const Connection& previous, Session& session);
// The session resumed on `conn`: queued duties fall due, unacknowledged flights are owed again with DUP.
void resume_session_deliveries(ModelState& model, Connection& conn, Session& session, const Event& event);

// A PUBLISH carrying the packet id, message and RETAIN flag of an unacknowledged PUBLISH that this session is
// owed again since it resumed: a re-send of that packet, judged as such and not as a new copy (whatever its
// DUP flag: a re-send with DUP=0 breaks MQTT-3.3.1-1 only, judged where the duty is settled).
bool repeats_owed_publish(const ModelState& model, const Connection& conn, std::size_t index,
                          const Publish& publish);

// Delivery duties bound to a connection that the client side closed: a deadline already past is proven unmet;
// one not yet due can no longer be judged (unless a persistent session will owe it again).
void judge_duties_at_client_close(ModelState& model, Connection& conn, const Event& event);
// The server closed `conn` with nothing to excuse it: what it owed there (`why` + the duty) is unresolved,
// unless a persistent session owes it again at its next connection.
void unresolve_duties_at_server_close(ModelState& model, const Connection& conn, const Event& event,
                                      const std::string& why);

void outstanding_deliveries(const ModelState& model, std::vector<Expectation>& result);
void finish_delivery_duties(ModelState& model, std::int64_t end_time);

}  // namespace mqtt::model::detail
