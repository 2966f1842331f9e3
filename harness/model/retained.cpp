#include "model/retained.hpp"

#include <algorithm>
#include <iterator>

#include "model/delivery_duties.hpp"
#include "model/subscriptions.hpp"
#include "model/topic.hpp"
#include "model/v5_flow.hpp"
#include "model/v5_message_properties.hpp"
#include "model/v5_subscription_options.hpp"

namespace mqtt::model::detail {

RetainedCandidates retained_candidates(const ModelState& model, const std::string& topic, std::int64_t from,
                                       std::int64_t to) {
  RetainedCandidates result;
  result.prior_unknown = true;
  auto it = model.retained_versions.find(topic);
  if (it == model.retained_versions.end()) return result;
  const auto& versions = it->second;
  for (auto index : versions) {
    const auto& version = model.messages[index];
    if (version.processed_by < from) result.prior_unknown = false;
  }
  for (auto index : versions) {
    const auto& version = model.messages[index];
    if (version.sent_time > to) continue;
    bool superseded = false;
    for (auto other_index : versions) {
      const auto& other = model.messages[other_index];
      if (other_index != index && other.sent_time > version.processed_by && other.processed_by < from) {
        superseded = true;
        break;
      }
    }
    if (!superseded) result.versions.push_back(index);
  }
  return result;
}

namespace {

// The session that published `message` is over: its client connected anew with clean session 1, or its clean
// session ended with its connection. Retained messages outlive it [MQTT-3.1.2-7].
bool publisher_session_ended(const ModelState& model, const Message& message) {
  const auto publisher = model.connections.find(message.publisher_connection);
  if (publisher == model.connections.end() || !publisher->second.accepted) return false;
  const auto session = model.sessions.find(publisher->second.client_id);
  return session != model.sessions.end() &&
         (session->second.generation != publisher->second.generation || !session->second.generation_alive);
}

// No other publication in the history has this copy's topic and payload: the copy is certainly of this one.
bool only_message_like(const ModelState& model, const Publish& publish) {
  const auto candidates = model.messages_by_key.find(identify_message(publish.topic, publish.payload).key);
  return candidates != model.messages_by_key.end() && candidates->second.size() == 1;
}

// A subscription that asked for no retained message, made while one matches it: a copy the server sent anyway
// would be judged in on_retained_copy (retained_copy_refused_by_options), so the option's rule is exercised.
void exercise_retain_handling(ModelState& model, const SubscriptionRecord& record) {
  if (!record.share_group.empty()) return;
  for (const auto& [topic_name, versions] : model.retained_versions) {
    if (versions.empty() || !topic::matches(record.filter, topic_name)) continue;
    if (model.messages[versions.back()].payload_empty) continue;
    model.exercise(v5(record.retain_handling == 2 ? "MQTT-3.3.1-11" : "MQTT-3.3.1-10"));
    return;
  }
}

}  // namespace

void store_retained_publish(ModelState& model, const Publish& publish, std::size_t index) {
  model.retained_versions[publish.topic].push_back(index);
  model.exercise("MQTT-3.3.1-5");
  model.exercise(publish.payload.empty() ? "MQTT-3.3.1-10" : "MQTT-3.3.1-6");
  if (publish.payload.empty()) model.exercise("MQTT-3.3.1-11");
  if (publish.qos == QoS::at_most_once) model.exercise("MQTT-3.3.1-7");
}

void store_retained_will(ModelState& model, std::size_t index) {
  model.retained_versions[model.messages[index].topic].push_back(index);
}

void create_retained_duties(ModelState& model, const Connection& conn, std::size_t record_index) {
  const auto& record = model.records[record_index];
  if (!retained_messages_owed(record)) {  // 5.0 Retain Handling 1 or 2, or a shared subscription
    exercise_retain_handling(model, record);
    return;
  }
  // A filter without wildcards matches only the topic equal to it: look it up, do not try every topic.
  const bool exact = !topic::has_wildcard(record.filter);
  auto first = exact ? model.retained_versions.find(record.filter) : model.retained_versions.begin();
  auto last = first == model.retained_versions.end() ? first
              : exact                                ? std::next(first)
                                                     : model.retained_versions.end();
  for (auto entry = first; entry != last; ++entry) {
    const auto& topic_name = entry->first;
    if (!topic::matches(record.filter, topic_name)) continue;
    model.exercise("MQTT-3.3.1-6");
    auto candidates = retained_candidates(model, topic_name, record.start_sent, record.start_ack);
    if (candidates.prior_unknown || candidates.versions.size() != 1) continue;
    const auto index = candidates.versions.front();
    const auto& version = model.messages[index];
    if (version.payload_empty || version.qos == QoS::at_most_once || version.from_refused_connection) {
      continue;
    }
    if (version.processed_by >= record.start_sent) continue;
    if (may_have_expired(model, index, add_time(record.start_ack, model.options.close_grace_ns))) continue;
    if (may_exceed_client_maximum(model, model.connections[record.connection], index)) continue;
    DeliveryDuty duty;
    duty.message = index;
    duty.client_id = record.client_id;
    duty.generation = record.generation;
    duty.required = QoS::at_most_once;
    duty.retained_copy = true;
    duty.connection = conn.id;
    duty.due = add_time(record.start_ack, model.options.close_grace_ns);
    duty.evidence = {version.sequence, version.processed_sequence, record.subscribe_sequence,
                     record.suback_sequence};
    // Whether a missing retained will breaks the retained store or the will is decided when it is judged
    // (retained_copy_statement).
    duty.statement = retained_duty_statement(conn, record);
    // Matched byte for byte [MQTT-4.7.3-4] through the new filter's wildcards [MQTT-4.7.1-2, MQTT-4.7.1-3]; kept
    // although the session that published it has ended [MQTT-3.1.2-7].
    duty.judged_with.push_back("MQTT-4.7.3-4");
    if (record.filter.find('#') != std::string::npos) duty.judged_with.push_back("MQTT-4.7.1-2");
    if (record.filter.find('+') != std::string::npos) duty.judged_with.push_back("MQTT-4.7.1-3");
    if (publisher_session_ended(model, version)) duty.judged_with.push_back("MQTT-3.1.2-7");
    duty.description = std::string(version.is_will ? "retained will" : "retained message") + " on " +
                       quoted(topic_name) + " to the new subscription " + quoted(record.filter) + " of " +
                       client_label(conn);
    // Already met by a copy sent ahead of the SUBACK.
    const auto arrived = conn.retained_arrivals.find(index);
    if (arrived != conn.retained_arrivals.end() && arrived->second >= record.start_sent) {
      duty.settled = true;
      exercise_duty(model, duty);
    }
    model.add_duty(std::move(duty));
  }
}

int retained_copy_subscriptions(const ModelState& model, const Connection& conn, std::size_t index,
                                std::int64_t received) {
  const auto& message = model.messages[index];
  int subscriptions = 0;
  if (!message.retain) return subscriptions;
  for (const auto record_index : model.matching_records(message.topic)) {
    const auto& record = model.records[record_index];
    if (record.connection != conn.id || record.refused || record.start_sent > received) continue;
    const auto candidates =
        retained_candidates(model, message.topic, record.start_sent, std::min(record.start_ack, received));
    if (std::find(candidates.versions.begin(), candidates.versions.end(), index) !=
        candidates.versions.end()) {
      ++subscriptions;
    }
  }
  return subscriptions;
}

std::string retained_copy_statement(const ModelState& model, std::size_t index, const std::string& owed) {
  const auto& message = model.messages[index];
  if (message.is_will && !message.reached_new_subscription && model.retained_store_shown)
    return "MQTT-3.1.2-17";
  return owed;
}

void on_retained_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                      const Event& event) {
  auto& message = model.messages[index];
  if (message.retain) model.retained_store_shown = true;
  conn.retained_copies[index]++;
  // Which new subscriptions of this connection could this copy answer?
  int granted_limit = -1;
  int lowest_owed = 3;        // the lowest min(published, granted QoS) over the subscriptions it may answer
  bool grants_known = true;  // every such subscription's SUBACK had arrived
  std::uint64_t subscribe_evidence = 0;
  std::vector<std::size_t> answered;  // the new subscriptions this copy may answer
  for (const auto record_index : model.matching_records(message.topic)) {
    const auto& record = model.records[record_index];
    if (record.connection != conn.id || record.refused) continue;
    if (record.start_sent > event.time_ns) continue;
    auto candidates = retained_candidates(model, message.topic, record.start_sent,
                                          std::min(record.start_ack, event.time_ns));
    const bool candidate =
        std::find(candidates.versions.begin(), candidates.versions.end(), index) != candidates.versions.end();
    if (candidate) answered.push_back(record_index);
  }
  // 5.0: every new subscription it could answer asked for no retained message (Retain Handling 1 or 2).
  if (const auto refused = retained_copy_refused_by_options(model, conn, index, answered); !refused.empty()) {
    const auto& record = model.records[answered.back()];
    model.violation(v5(refused),
                    "the retained message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " for the subscription " + quoted(record.filter) + " with Retain Handling " +
                        std::to_string(record.retain_handling) +
                        (record.retain_handling == 1 ? ", which repeated an existing subscription" : ""),
                    {message.sequence, record.subscribe_sequence, event.sequence});
    settle_duties(model, conn, index, publish, event, true);
    return;
  }
  for (const auto record_index : answered) {
    const auto& record = model.records[record_index];
    granted_limit = std::max<int>(granted_limit, record.granted);
    lowest_owed = std::min(lowest_owed, std::min<int>(record.granted, level_of(message.qos)));
    grants_known = grants_known && record.start_ack <= event.time_ns;
    subscribe_evidence = record.subscribe_sequence;
  }
  if (granted_limit >= 0) {
    model.exercise("MQTT-3.3.1-8");
    // The copy's QoS [MQTT-3.8.4-6] and topic, matched byte for byte [MQTT-4.7.3-4] by the filter [MQTT-3.3.2-3]
    // and its wildcards, are judged here.
    model.exercise("MQTT-3.8.4-6");
    model.exercise("MQTT-3.3.2-3");
    model.exercise("MQTT-4.7.3-4");
    for (const auto record_index : answered) exercise_wildcards(model, model.records[record_index].filter);
    conn.retained_arrivals[index] = event.time_ns;  // the latest: a later subscription needs a later copy
    message.reached_new_subscription = true;
    // Above the published QoS is reported once, by on_delivery; here only above the grant.
    if (level_of(publish.qos) > granted_limit && level_of(publish.qos) <= level_of(message.qos)) {
      model.violation("MQTT-3.8.4-6",
                      "the retained message on " + quoted(message.topic) + " reached " + client_label(conn) +
                          " at QoS " + std::to_string(level_of(publish.qos)) + ", above the granted QoS " +
                          std::to_string(granted_limit),
                      {subscribe_evidence, message.sequence, event.sequence});
    } else if (grants_known && level_of(publish.qos) < lowest_owed && only_message_like(model, publish)) {
      // Stored with its QoS [MQTT-3.3.1-5], it goes out at the lower of that and the grant; a copy below both was
      // downgraded by the server. (Before the SUBACK the grant is not known, and a copy that may be another
      // publication with the same topic and payload may be one published at the lower QoS: nothing is judged.)
      model.violation("MQTT-3.8.4-6",
                      "the retained message on " + quoted(message.topic) + " (QoS " +
                          std::to_string(level_of(message.qos)) + ") reached " + client_label(conn) + " at QoS " +
                          std::to_string(level_of(publish.qos)) + ", below the QoS " + std::to_string(lowest_owed) +
                          " its subscription was owed",
                      {subscribe_evidence, message.sequence, event.sequence});
    }
    settle_duties(model, conn, index, publish, event, true);
    return;
  }
  // Not an answer to a new subscription: say which rule the RETAIN flag or the stale copy breaks, unless the
  // history does not know this session's subscriptions.
  if (!model.generation_known(conn)) return;
  std::string statement = "MQTT-3.3.1-9";
  std::string why = "carries RETAIN=1 although it went to an existing subscription";
  std::vector<std::uint64_t> evidence{message.sequence, event.sequence};
  if (!possible_normal_copy(model, conn, index, event.time_ns)) {
    if (message.is_will && !message.retain) {
      statement = "MQTT-3.1.2-16";
      why = "carries RETAIN=1 although the will was not retained";
    } else if (!message.retain) {
      statement = "MQTT-3.3.1-12";
      why = "was delivered as retained although it was published with RETAIN=0";
    } else {
      // indexed(): a lookup must not add an empty entry for the topic (retained_versions[] would).
      for (auto later : indexed(model.retained_versions, message.topic)) {
        const auto& replacement = model.messages[later];
        if (replacement.sent_time > message.processed_by && replacement.processed_by < event.time_ns) {
          evidence.push_back(replacement.sequence);
          if (replacement.payload_empty) {
            statement = "MQTT-3.3.1-10";
            why = "was delivered as retained after an empty retained message deleted it";
          } else if (replacement.is_will && !replacement.reached_new_subscription) {
            // The will published with Will Retain=1 should have replaced it; nothing shows it was ever stored
            // as retained, so the stale copy follows from the will, the first statement broken.
            statement = "MQTT-3.1.2-17";
            why = "was delivered as retained after the will of client " + quoted(replacement.publisher) +
                  ", published with Will Retain=1, should have replaced it: the will was not stored as "
                  "retained";
          } else {
            statement = replacement.qos == QoS::at_most_once ? "MQTT-3.3.1-7" : "MQTT-3.3.1-5";
            why = "was delivered as retained after a newer retained message replaced it";
          }
          break;
        }
      }
    }
  }
  model.violation(statement,
                  "the message on " + quoted(message.topic) + " to " + client_label(conn) + " " + why,
                  evidence);
  settle_duties(model, conn, index, publish, event,
                false);  // it did arrive; the flag is the fault, not the loss
}

bool retained_answer_without_flag(ModelState& model, Connection& conn, const Publish& publish,
                                  std::size_t index, const Event& event) {
  const auto& message = model.messages[index];
  for (const auto record_index : model.matching_records(message.topic)) {
    const auto& record = model.records[record_index];
    if (record.connection != conn.id || record.refused) continue;
    if (!message.retain) continue;
    auto candidates = retained_candidates(model, message.topic, record.start_sent, record.start_ack);
    if (std::find(candidates.versions.begin(), candidates.versions.end(), index) !=
        candidates.versions.end()) {
      model.violation("MQTT-3.3.1-8",
                      "the retained message on " + quoted(message.topic) + " sent to the new subscription " +
                          quoted(record.filter) + " of " + client_label(conn) + " carries RETAIN=0",
                      {message.sequence, event.sequence, record.subscribe_sequence});
      settle_duties(model, conn, index, publish, event, true);
      return true;
    }
  }
  return false;
}

}  // namespace mqtt::model::detail
