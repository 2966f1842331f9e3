#include "model/subscriptions.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "model/policing.hpp"
#include "model/publications.hpp"
#include "model/requests.hpp"
#include "model/retained.hpp"
#include "model/topic.hpp"
#include "model/v5_subscription_options.hpp"

namespace mqtt::model::detail {

void on_client_subscribe(ModelState& model, Connection& conn, const Subscribe& subscribe,
                         const Event& event) {
  if (subscribe.subscriptions.empty()) {
    auto& duty =
        protocol_violation(model, conn, event, "MQTT-3.8.3-3", "it sent a SUBSCRIBE with no topic filter", {});
    duty.answer = PacketType::suback;
    duty.answer_id = subscribe.packet_id;
    return;
  }
  Request request;
  request.answer = PacketType::suback;
  request.packet_id = subscribe.packet_id;
  request.sequence = event.sequence;
  request.time = event.time_ns;
  request.subscriptions = subscribe.subscriptions;
  for (std::size_t i = 0; i < subscribe.subscriptions.size(); ++i) {
    const auto& subscription = subscribe.subscriptions[i];
    if (auto error = topic::validate_filter(subscription.filter)) {
      // The server may refuse this filter with 0x80 or close the connection; granting it is a violation.
      request.invalid_filter = i;
      request.records.push_back(no_message);
      model.exercise(error->statement);
      continue;
    }
    SubscriptionRecord record;
    record.client_id = conn.client_id;
    record.generation = conn.generation;
    record.connection = conn.id;
    record.filter = subscription.filter;
    record.requested = subscription.qos;
    record.granted = static_cast<std::uint8_t>(subscription.qos);
    record.subscribe_sequence = event.sequence;
    record.start_sent = event.time_ns;
    record.of_clean_session = conn.version != ProtocolVersion::v5 && conn.connect.clean_session;
    if (conn.version == ProtocolVersion::v5) apply_subscription_options(subscribe, subscription, record);
    request.records.push_back(model.records.next_index());
    model.add_record(std::move(record));
  }
  model.exercise("MQTT-3.8.4-1");
  model.exercise("MQTT-3.8.4-5");
  model.exercise("MQTT-3.9.3-1");
  model.exercise("MQTT-3.9.3-2");
  model.exercise("MQTT-2.3.1-7");
  model.exercise("MQTT-3.3.1-8");
  if (subscribe.subscriptions.size() > 1) model.exercise("MQTT-3.8.4-4");
  conn.requests.push_back(std::move(request));
}

void on_client_unsubscribe(ModelState& model, Connection& conn, const Unsubscribe& unsubscribe,
                           const Event& event) {
  if (unsubscribe.filters.empty()) {
    auto& duty =
        protocol_violation(model, conn, event, "MQTT-3.10.3-2", "it sent an UNSUBSCRIBE with no topic filter", {});
    duty.answer = PacketType::unsuback;
    duty.answer_id = unsubscribe.packet_id;
    return;
  }
  bool removes_something = false;
  for (auto& record : model.records.values()) {
    if (record.client_id != conn.client_id || record.generation != conn.generation) continue;
    if (record.end_sent != never) continue;
    const auto filter =
        record.share_group.empty() ? record.filter : "$share/" + record.share_group + "/" + record.filter;
    if (std::find(unsubscribe.filters.begin(), unsubscribe.filters.end(), filter) == unsubscribe.filters.end()) {
      continue;
    }
    record.end_sent = event.time_ns;
    record.end_sequence = event.sequence;
    record.ended_by_unsubscribe = true;
    removes_something = true;
  }
  Request request;
  request.answer = PacketType::unsuback;
  request.packet_id = unsubscribe.packet_id;
  request.sequence = event.sequence;
  request.time = event.time_ns;
  request.filters = unsubscribe.filters;
  request.removes_nothing = !removes_something && model.generation_known(conn);
  conn.requests.push_back(std::move(request));
  model.exercise("MQTT-3.10.4-4");
  model.exercise(removes_something ? "MQTT-3.10.4-2" : "MQTT-3.10.4-5");
}

void on_suback(ModelState& model, Connection& conn, const Suback& suback, const Event& event) {
  auto request = find_request(conn, PacketType::suback, suback.packet_id);
  if (request == conn.requests.end()) {
    if (conn.connect_seen && !conn.client_violation) {
      model.violation("MQTT-2.3.1-7",
                      "the server sent SUBACK with packet id " + std::to_string(suback.packet_id) + " to " +
                          client_label(conn) + " but no SUBSCRIBE with that id was waiting",
                      {event.sequence});
    }
    return;
  }
  confirm_qos0_before(model, conn, request->sequence, event);
  model.exercise("MQTT-3.8.4-2");  // found by the SUBSCRIBE's packet id (one for no request: MQTT-2.3.1-7 above)
  const std::vector<std::uint64_t> evidence{request->sequence, event.sequence};
  if (suback.reason_codes.size() != request->subscriptions.size()) {
    model.violation("MQTT-3.8.4-5",
                    "SUBACK " + std::to_string(suback.packet_id) + " to " + client_label(conn) + " has " +
                        std::to_string(suback.reason_codes.size()) + " return codes for " +
                        std::to_string(request->subscriptions.size()) + " topic filters",
                    evidence);
  }
  for (std::size_t i = 0; i < request->subscriptions.size(); ++i) {
    const auto& subscription = request->subscriptions[i];
    if (i >= suback.reason_codes.size()) {
      // No return code for this filter (MQTT-3.8.4-5, above): whether the server made the subscription is
      // unknown, so it may carry deliveries but is never owed any.
      const auto record_index = i < request->records.size() ? request->records[i] : no_message;
      if (record_index != no_message) model.records[record_index].suback_sequence = event.sequence;
      continue;
    }
    const std::uint8_t code = suback.reason_codes[i];
    // 5.0 codes were checked against the Subscribe Reason Code table by the codec; 0x80 and above refuse.
    const bool valid_code = code <= 2 || code == 0x80 || conn.version == ProtocolVersion::v5;
    if (!valid_code) {
      model.violation("MQTT-3.9.3-2",
                      "SUBACK " + std::to_string(suback.packet_id) + " to " + client_label(conn) +
                          " carries the return code " + std::to_string(code) + " for " +
                          quoted(subscription.filter),
                      evidence);
    } else if (code <= 2 && code > level_of(subscription.qos)) {
      model.violation(conn.version == ProtocolVersion::v5 ? v5("MQTT-3.8.4-7") : std::string("MQTT-3.8.4-5"),
                      "SUBACK " + std::to_string(suback.packet_id) + " to " + client_label(conn) +
                          " grants QoS " + std::to_string(code) + " for " + quoted(subscription.filter) +
                          " where QoS " + std::to_string(level_of(subscription.qos)) + " was requested",
                      evidence);
    }
    if (request->invalid_filter && *request->invalid_filter == i) {
      if (code != 0x80) {
        const auto error = topic::validate_filter(subscription.filter);
        model.violation(error ? error->statement : "MQTT-4.7.1-2",
                        "the server granted the invalid topic filter " + quoted(subscription.filter) +
                            " to " + client_label(conn),
                        evidence);
      }
      continue;
    }
    const auto record_index = i < request->records.size() ? request->records[i] : no_message;
    if (record_index == no_message) continue;
    auto& record = model.records[record_index];
    record.start_ack = event.time_ns;
    record.suback_sequence = event.sequence;
    if (code > 2) {
      record.refused = true;
      continue;
    }
    record.granted = code;
    // A subscription to an identical filter replaces the previous one [MQTT-3.8.4-3], also within one
    // SUBSCRIBE, which acts as a sequence of SUBSCRIBEs in filter order [MQTT-3.8.4-4]. Records are created
    // in that order, so the earlier ones are those with a lower index. Identical filters share an index list
    // (the exact one, or the wildcard one).
    const auto& same_kind = topic::has_wildcard(record.filter) ? model.wildcard_records
                                                               : indexed(model.exact_records, record.filter);
    for (const auto j : same_kind) {
      if (j >= record_index) break;
      auto& old = model.records[j];
      if (old.client_id != record.client_id || old.generation != record.generation ||
          old.filter != record.filter || old.share_group != record.share_group || old.end_sent != never) {
        continue;
      }
      model.exercise("MQTT-3.8.4-3");
      record.replaced_granted = old.granted;
      old.end_sent = record.start_sent;
      old.end_ack = record.start_ack;
      old.end_sequence = record.subscribe_sequence;
    }
    create_retained_duties(model, conn, record_index);
  }
  conn.requests.erase(request);
}

void end_unsubscribed_records(ModelState& model, const Connection& conn, std::uint64_t request_sequence,
                              const Event& event) {
  // The UNSUBSCRIBE ended records of the session, which may have been made on an earlier connection of it.
  const auto& by_generation = conn.generation == 0 ? indexed(model.records_by_connection, conn.id)
                                                   : indexed(model.records_by_generation, conn.generation);
  for (const auto record_index : merged(indexed(model.records_by_connection, conn.id), by_generation)) {
    auto& record = model.records[record_index];
    if (record.end_sequence == request_sequence && record.ended_by_unsubscribe)
      record.end_ack = event.time_ns;
  }
}

void exercise_wildcards(ModelState& model, const std::string& filter) {
  if (filter.find('#') != std::string::npos) model.exercise("MQTT-4.7.1-2");
  if (filter.find('+') != std::string::npos) model.exercise("MQTT-4.7.1-3");
}

RecordList normal_copy_records(const ModelState& model, const Connection& conn, std::size_t index,
                               std::int64_t received) {
  const auto& message = model.messages[index];
  RecordList result;
  const auto upper = std::min(message.processed_by, received);
  model.for_each_matching_record(message, [&](std::size_t i) {
    const auto& record = model.records[i];
    // Only the session this connection carries: a subscription of an earlier, discarded session of the same
    // client id carries nothing to it. A connection taken over by a newer one of its client id should have
    // been closed [MQTT-3.1.4-2]; what still reaches it may come from either session.
    // The generation first: it tells most other subscribers' records apart without comparing client ids.
    if (record.generation != conn.generation && !conn.taken_over) return;
    if (record.client_id != conn.client_id) return;
    if (!carries_publisher(record, message)) return;  // No Local (5.0)
    if (record_possible(record, message.sent_time, upper)) result.push_back(i);
  });
  return result;
}

bool possible_normal_copy(const ModelState& model, const Connection& conn, std::size_t index,
                          std::int64_t received) {
  return !normal_copy_records(model, conn, index, received).empty();
}

void judge_delivery_without_subscription(ModelState& model, const Connection& conn, std::size_t index,
                                         const Event& event) {
  const auto& message = model.messages[index];
  std::vector<std::uint64_t> evidence{message.sequence, event.sequence};
  model.exercise("MQTT-4.7.3-4");
  std::string statement = "MQTT-3.3.2-3";
  std::string why = "although none of its subscriptions matches the topic";
  if (!message.topic.empty() && message.topic.front() == '$') {
    auto undollared = message.topic;
    undollared.front() = '_';
    for (const auto& record : model.records.values()) {
      if (record.client_id == conn.client_id && !record.refused &&
          topic::matches(record.filter, undollared) &&
          record_possible(record, message.sent_time, event.time_ns)) {
        statement = "MQTT-4.7.2-1";
        why = "through the filter " + quoted(record.filter) + ", which starts with a wildcard";
        evidence.push_back(record.subscribe_sequence);
        break;
      }
    }
  }
  for (const auto record_index : model.matching_records(message.topic)) {
    const auto& record = model.records[record_index];
    if (record.client_id == conn.client_id && !carries_publisher(record, message) &&
        record_possible(record, message.sent_time, event.time_ns)) {
      statement = v5("MQTT-3.8.3-3");
      why = "although it published it and its subscription " + quoted(record.filter) + " has No Local set";
      evidence.push_back(record.subscribe_sequence);
      break;
    }
  }
  for (const auto record_index : model.matching_records(message.topic)) {
    const auto& record = model.records[record_index];
    if (statement == "MQTT-4.7.2-1" || marked_v5(statement)) break;
    if (record.client_id != conn.client_id) continue;
    if (record.end_ack < message.sent_time) {
      statement = record.ended_by_unsubscribe ? "MQTT-3.10.4-2" : "MQTT-3.1.2-6";
      why = record.ended_by_unsubscribe
                ? "after its subscription " + quoted(record.filter) + " was removed"
                : "although the session that held the subscription " + quoted(record.filter) + " had ended";
      evidence.push_back(record.end_sequence);
      break;
    }
  }
  model.violation(
      statement,
      "the message on " + quoted(message.topic) + " was delivered to " + client_label(conn) + " " + why,
      evidence);
}

}  // namespace mqtt::model::detail
