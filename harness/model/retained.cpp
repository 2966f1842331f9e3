#include "model/retained.hpp"

#include <algorithm>
#include <iterator>

#include "model/delivery_duties.hpp"
#include "model/subscriptions.hpp"
#include "model/topic.hpp"

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
    // A will published with Will Retain=1 that a new subscription does not get was never stored as retained.
    duty.statement = version.is_will ? "MQTT-3.1.2-17" : "MQTT-3.3.1-6";
    duty.description = std::string(version.is_will ? "retained will" : "retained message") + " on " +
                       quoted(topic_name) + " to the new subscription " + quoted(record.filter) + " of " +
                       client_label(conn);
    model.add_duty(std::move(duty));
  }
}

void on_retained_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                      const Event& event) {
  const auto& message = model.messages[index];
  if (!model.generation_known(conn)) return;
  // Which new subscriptions of this connection could this copy answer?
  int granted_limit = -1;
  std::uint64_t subscribe_evidence = 0;
  for (const auto record_index : model.matching_records(message.topic)) {
    const auto& record = model.records[record_index];
    if (record.connection != conn.id || record.refused) continue;
    if (record.start_sent > event.time_ns) continue;
    auto candidates = retained_candidates(model, message.topic, record.start_sent,
                                          std::min(record.start_ack, event.time_ns));
    const bool candidate =
        std::find(candidates.versions.begin(), candidates.versions.end(), index) != candidates.versions.end();
    if (candidate) {
      granted_limit = std::max<int>(granted_limit, record.granted);
      subscribe_evidence = record.subscribe_sequence;
    }
  }
  if (granted_limit >= 0) {
    model.exercise("MQTT-3.3.1-8");
    if (level_of(publish.qos) > std::min(granted_limit, level_of(message.qos))) {
      model.violation("MQTT-3.8.4-6",
                      "the retained message on " + quoted(message.topic) + " reached " + client_label(conn) +
                          " at QoS " + std::to_string(level_of(publish.qos)) + ", above the granted QoS " +
                          std::to_string(granted_limit),
                      {subscribe_evidence, message.sequence, event.sequence});
    }
    settle_duties(model, conn, index, publish, event, true);
    return;
  }
  // Not an answer to a new subscription: say which rule the RETAIN flag or the stale copy breaks.
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
      const auto& versions = model.retained_versions[message.topic];
      for (auto later : versions) {
        const auto& replacement = model.messages[later];
        if (replacement.sent_time > message.processed_by && replacement.processed_by < event.time_ns) {
          evidence.push_back(replacement.sequence);
          if (replacement.payload_empty) {
            statement = "MQTT-3.3.1-10";
            why = "was delivered as retained after an empty retained message deleted it";
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
