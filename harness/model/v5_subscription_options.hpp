// MQTT 5.0 subscription options and identifiers: No Local (never the subscriber's own publications
// [MQTT-3.8.3-3]), Retain As Published (live copies keep the publisher's RETAIN flag [MQTT-3.3.1-13], or carry
// RETAIN 0 [MQTT-3.3.1-12]), Retain Handling (0: retained messages on every SUBSCRIBE; 1: only for a new
// subscription [MQTT-3.3.1-10]; 2: never [MQTT-3.3.1-11]), the Subscription Identifier on the copies a
// subscription causes [MQTT-3.3.4-3], and shared subscriptions ('$share/group/filter', v5_shared.hpp).
#pragma once

#include <string>

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// A 5.0 SUBSCRIBE made this record: its options, identifier and share group.
void apply_subscription_options(const Subscribe& subscribe, const Subscription& subscription,
                                SubscriptionRecord& record);

// The record can carry `message` as an ordinary copy (No Local keeps the subscriber's own publications out).
bool carries_publisher(const SubscriptionRecord& record, const Message& message);

// Whether the record is owed the retained messages of its filter when its SUBACK arrives (Retain Handling,
// shared subscriptions get none).
bool retained_messages_owed(const SubscriptionRecord& record);

// The statement a retained copy of `message` breaks when it reached only new subscriptions that were owed none
// ("" when at least one of `records` was owed it and had not had it yet).
std::string retained_copy_refused_by_options(const ModelState& model, const Connection& conn, std::size_t message,
                                             const std::vector<std::size_t>& records);

// An ordinary copy through `possible` records: its RETAIN flag under Retain As Published and its
// Subscription Identifiers.
void check_copy_options(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                        const RecordList& possible, const Event& event);

// A copy with RETAIN 1 that no new subscription asked for, arriving through a subscription with Retain As
// Published 1: a live copy keeping the publisher's flag, not a retained one.
bool kept_retain_as_published(const ModelState& model, const Connection& conn, std::size_t index,
                              std::int64_t received);

// A SUBSCRIBE that sets No Local on a shared subscription ('$share/...'): a protocol error [MQTT-3.8.3-4].
// A 5.0 client PUBLISH on a topic that one of its own acknowledged No Local subscriptions matches: the server had
// the chance to send the client its own message [MQTT-3.8.3-3] (judged in subscriptions.cpp).
void exercise_no_local(ModelState& model, const Connection& conn, const Publish& publish, const Event& event);

bool no_local_on_shared(const Subscribe& subscribe);

// The statement a retained copy owed to `record` breaks when it never arrives: the retained store's
// [MQTT-3.3.1-6, numbered 3.3.1-9 in 5.0], or, when a 5.0 SUBSCRIBE with Retain Handling 0 replaced an identical
// subscription, the replacement's re-send [MQTT-3.8.4-4].
std::string retained_duty_statement(const Connection& conn, const SubscriptionRecord& record);

}  // namespace mqtt::model::detail
