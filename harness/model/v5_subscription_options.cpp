#include "model/v5_subscription_options.hpp"

#include <algorithm>
#include <set>

#include "model/property_values.hpp"
#include "model/retained.hpp"
#include "model/subscriptions.hpp"
#include "model/v5_subs_identifiers.hpp"

namespace mqtt::model::detail {

void apply_subscription_options(const Subscribe& subscribe, const Subscription& subscription,
                                SubscriptionRecord& record) {
  record.no_local = subscription.no_local;
  record.retain_as_published = subscription.retain_as_published;
  record.retain_handling = subscription.retain_handling;
  record.identifier = integer_property(subscribe.properties, PropertyId::subscription_identifier);
  // '$share/{group}/{filter}': the record matches with the filter; the group says who shares it.
  static constexpr std::string_view share_prefix = "$share/";
  if (subscription.filter.starts_with(share_prefix)) {
    const auto group_end = subscription.filter.find('/', share_prefix.size());
    if (group_end != std::string::npos) {
      record.share_group = subscription.filter.substr(share_prefix.size(), group_end - share_prefix.size());
      record.filter = subscription.filter.substr(group_end + 1);
    }
  }
}

bool carries_publisher(const SubscriptionRecord& record, const Message& message) {
  return !(record.no_local && record.client_id == message.publisher && !message.is_will);
}

bool retained_messages_owed(const SubscriptionRecord& record) {
  if (!record.share_group.empty()) return false;
  if (record.retain_handling == 2) return false;
  return !(record.retain_handling == 1 && record.replaced_granted.has_value());
}

std::string retained_copy_refused_by_options(const ModelState& model, const Connection& conn, std::size_t message,
                                             const std::vector<std::size_t>& records) {
  // A subscription whose retained copy of this message already arrived, before a later one of `records` was
  // made, has had its answer: a further copy answers the later subscription (a repeated SUBSCRIBE with Retain
  // Handling 1 is owed none), not the first one again.
  std::int64_t latest_start = 0;
  for (const auto index : records) latest_start = std::max(latest_start, model.records[index].start_sent);
  const auto arrived = conn.retained_arrivals.find(message);
  std::string statement;
  for (const auto index : records) {
    const auto& record = model.records[index];
    if (!record.share_group.empty()) return "";
    if (retained_messages_owed(record)) {
      const bool answered_before = arrived != conn.retained_arrivals.end() &&
                                   arrived->second >= record.start_sent && arrived->second < latest_start;
      if (!answered_before) return "";
      continue;
    }
    statement = record.retain_handling == 2 ? "MQTT-3.3.1-11" : "MQTT-3.3.1-10";
  }
  return statement;
}

void check_copy_options(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                        const RecordList& possible, const Event& event) {
  if (possible.empty()) return;
  const auto& message = model.messages[index];
  // Retain As Published 1 on every subscription that could carry it: the publisher's RETAIN 1 stays.
  const bool all_keep = std::all_of(possible.begin(), possible.end(),
                                    [&](std::size_t i) { return model.records[i].retain_as_published; });
  if (message.retain && !message.is_will && all_keep) {
    model.exercise(v5("MQTT-3.3.1-13"));
    if (!publish.retain) {
      model.violation(v5("MQTT-3.3.1-13"),
                      "the message on " + quoted(message.topic) + ", published with RETAIN 1, reached " +
                          client_label(conn) + " with RETAIN 0 through a subscription with Retain As Published 1",
                      {model.records[possible.front()].subscribe_sequence, message.sequence, event.sequence});
    }
  }
  // Subscription Identifiers: a copy carries those of the subscriptions it is sent for; when every
  // subscription that could carry it has one, a copy with none is sent for no subscription's identifier.
  std::set<std::uint32_t> carried;
  for (const auto& property : publish.properties) {
    if (property.id != PropertyId::subscription_identifier) continue;
    if (const auto* value = std::get_if<std::uint32_t>(&property.value)) carried.insert(*value);
  }
  const bool all_identified = std::all_of(possible.begin(), possible.end(),
                                          [&](std::size_t i) { return model.records[i].identifier.has_value(); });
  if (all_identified) {
    model.exercise(v5("MQTT-3.3.4-3"));
    if (carried.empty()) {
      const auto& record = model.records[possible.front()];
      model.violation(v5("MQTT-3.3.4-3"),
                      "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                          " without the Subscription Identifier " + std::to_string(*record.identifier) +
                          " of the subscription " + quoted(record.filter) + " that carried it",
                      {record.subscribe_sequence, message.sequence, event.sequence});
    }
  }
  note_identified_overlap_copy(model, conn, publish, index, possible, carried, event);
}

bool kept_retain_as_published(const ModelState& model, const Connection& conn, std::size_t index,
                              std::int64_t received) {
  const auto& message = model.messages[index];
  if (!message.retain || retained_copy_subscriptions(model, conn, index, received) > 0) return false;
  const auto possible = normal_copy_records(model, conn, index, received);
  return std::any_of(possible.begin(), possible.end(),
                     [&](std::size_t i) { return model.records[i].retain_as_published; });
}

void exercise_no_local(ModelState& model, const Connection& conn, const Publish& publish, const Event& event) {
  for (const auto index : model.matching_records(publish.topic)) {
    const auto& record = model.records[index];
    if (record.no_local && record.share_group.empty() && record.client_id == conn.client_id &&
        record_definite(record, event.time_ns, event.time_ns)) {
      model.exercise(v5("MQTT-3.8.3-3"));
      return;
    }
  }
}

bool no_local_on_shared(const Subscribe& subscribe) {
  return std::any_of(subscribe.subscriptions.begin(), subscribe.subscriptions.end(),
                     [](const Subscription& subscription) {
                       return subscription.no_local && subscription.filter.starts_with("$share/");
                     });
}

std::string retained_duty_statement(const Connection& conn, const SubscriptionRecord& record) {
  if (conn.version == ProtocolVersion::v5 && record.retain_handling == 0 && record.replaced_granted.has_value()) {
    return v5("MQTT-3.8.4-4");
  }
  return "MQTT-3.3.1-6";
}

}  // namespace mqtt::model::detail
