#include "model/v5_message_properties.hpp"
#include "model/v5_qos2_expiry.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "model/property_values.hpp"
#include "model/topic.hpp"
#include "model/v5_session_expiry.hpp"
#include "model/v5_subscription_options.hpp"

namespace mqtt::model::detail {
namespace {

constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;

struct PassedOn {
  PropertyId id;
  const char* statement;
  const char* name;
};

constexpr PassedOn unchanged_properties[] = {
    {PropertyId::payload_format_indicator, "MQTT-3.3.2-4", "Payload Format Indicator"},
    {PropertyId::content_type, "MQTT-3.3.2-20", "Content Type"},
    {PropertyId::response_topic, "MQTT-3.3.2-15", "Response Topic"},
    {PropertyId::correlation_data, "MQTT-3.3.2-16", "Correlation Data"},
};

std::vector<StringPair> user_properties(const Properties& properties) {
  std::vector<StringPair> pairs;
  for (const auto& property : properties) {
    if (property.id != PropertyId::user_property) continue;
    if (const auto* pair = std::get_if<StringPair>(&property.value)) pairs.push_back(*pair);
  }
  return pairs;
}

// Whether `inner` appears in `outer` in order (other pairs may sit between: a server may add its own).
bool in_order_within(const std::vector<StringPair>& inner, const std::vector<StringPair>& outer) {
  auto next = outer.begin();
  for (const auto& pair : inner) {
    next = std::find(next, outer.end(), pair);
    if (next == outer.end()) return false;
    ++next;
  }
  return true;
}

bool all_within(std::vector<StringPair> inner, std::vector<StringPair> outer) {
  std::sort(inner.begin(), inner.end());
  std::sort(outer.begin(), outer.end());
  return std::includes(outer.begin(), outer.end(), inner.begin(), inner.end());
}

void check_expiry(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                  const Event& event) {
  const auto& message = model.messages[index];
  const auto expiry = *message.expiry;
  const std::vector<std::uint64_t> evidence{message.sequence, event.sequence};
  // The server cannot have sent a copy on this connection before the client's CONNECT (nor a retained copy
  // before the SUBSCRIBE that asked for it); it had the message by processed_by at the latest.
  auto earliest_send = conn.connect_time;
  if (publish.retain) {
    auto earliest_subscribe = event.time_ns;
    for (const auto record_index : indexed(model.records_by_connection, conn.id)) {
      const auto& record = model.records[record_index];
      if (record.connection == conn.id && topic::matches(record.filter, message.topic))
        earliest_subscribe = std::min(earliest_subscribe, record.start_sent);
    }
    earliest_send = std::max(earliest_send, earliest_subscribe);
  }
  const auto surely_waited = std::max<std::int64_t>(0, earliest_send - message.processed_by);
  const auto at_most_waited = event.time_ns - message.sent_time;
  const bool surely_expired = surely_waited > std::int64_t{expiry} * nanoseconds_per_second + v5_timer_granularity_ns;
  // A re-send of a delivery begun on an earlier connection is not let expire [MQTT-4.3.3-7] (v5_qos2_expiry.cpp):
  // neither a delivery past expiry nor an interval to judge.
  if (surely_expired && resends_begun_delivery(model, conn, publish, index)) return;
  model.exercise(v5("MQTT-3.3.2-5"));
  if (surely_expired) {
    model.violation(v5("MQTT-3.3.2-5"),
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " after its Message Expiry Interval of " + std::to_string(expiry) + " s had run out",
                    evidence);
    return;
  }
  model.exercise(v5("MQTT-3.3.2-6"));
  const auto forwarded = integer_property(publish.properties, PropertyId::message_expiry_interval);
  if (!forwarded) {
    model.violation(v5("MQTT-3.3.2-6"),
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " without the Message Expiry Interval of " + std::to_string(expiry) +
                        " s it was published with",
                    evidence);
    return;
  }
  const std::int64_t highest = std::int64_t{expiry} - surely_waited / nanoseconds_per_second + 1;
  const std::int64_t lowest =
      std::int64_t{expiry} - (at_most_waited + nanoseconds_per_second - 1) / nanoseconds_per_second - 1;
  const auto value = std::int64_t{*forwarded};
  if (value > std::min<std::int64_t>(highest, expiry) || value < lowest) {
    model.violation(v5("MQTT-3.3.2-6"),
                    "the message on " + quoted(message.topic) + ", published with a Message Expiry Interval of " +
                        std::to_string(expiry) + " s, reached " + client_label(conn) + " with " +
                        std::to_string(value) + " s after waiting between " +
                        std::to_string(surely_waited / nanoseconds_per_second) + " and " +
                        std::to_string((at_most_waited + nanoseconds_per_second - 1) / nanoseconds_per_second) +
                        " s",
                    evidence);
  }
}

}  // namespace

void remember_message_properties(Message& message, const Properties& properties) {
  message.expiry = integer_property(properties, PropertyId::message_expiry_interval);
  for (const auto& property : properties) {
    const bool passed_on = property.id == PropertyId::user_property ||
                           std::any_of(std::begin(unchanged_properties), std::end(unchanged_properties),
                                       [&](const PassedOn& passed) { return passed.id == property.id; });
    if (passed_on) message.forwarded_properties.push_back(property);
  }
}

void check_message_properties(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                              const Event& event) {
  const auto& message = model.messages[index];
  const auto& publisher = model.connections[message.publisher_connection];
  if (publisher.version != ProtocolVersion::v5) return;  // a 3.1.1 message has no properties to pass on
  const std::vector<std::uint64_t> evidence{message.sequence, event.sequence};
  if (message.expiry && !message.is_will) check_expiry(model, conn, publish, index, event);
  for (const auto& passed : unchanged_properties) {
    model.exercise(v5(passed.statement));
    const auto* original = find_property(message.forwarded_properties, passed.id);
    const auto* copy = find_property(publish.properties, passed.id);
    if ((original == nullptr) == (copy == nullptr) && (original == nullptr || original->value == copy->value))
      continue;
    model.violation(v5(passed.statement),
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) + " with its " +
                        passed.name + " " + (copy == nullptr ? "missing" : original ? "changed" : "added"),
                    evidence);
  }
  const auto original = user_properties(message.forwarded_properties);
  if (original.empty()) return;
  const auto copied = user_properties(publish.properties);
  const auto order_statement = message.is_will ? "MQTT-3.1.3-10" : "MQTT-3.3.2-18";
  model.exercise(v5("MQTT-3.3.2-17"));
  model.exercise(v5(order_statement));
  if (in_order_within(original, copied)) return;
  if (all_within(original, copied)) {
    model.violation(v5(order_statement),
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " with its User Properties in another order",
                    evidence);
  } else {
    model.violation(v5("MQTT-3.3.2-17"),
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " without all of its User Properties unaltered",
                    evidence);
  }
}

void exercise_expired_while_offline(ModelState& model, const Connection& conn, const Session& session) {
  const auto& records = indexed(model.records_by_generation, session.generation);
  if (records.empty()) return;
  // Messages are appended as they are published: only those of the offline time are looked at.
  // A forgotten message (forgetting.cpp) owed nothing more, so it cannot have been queued for this session.
  for (auto index = model.messages.next_index(); index-- > 0;) {
    if (!model.messages.contains(index)) continue;
    const auto& message = model.messages[index];
    if (message.sent_time < session.offline_since) break;
    if (!message.expiry || message.is_will || message.from_refused_connection || message.processed_by == never) {
      continue;
    }
    const auto expired_by = message.processed_by + std::int64_t{*message.expiry} * nanoseconds_per_second +
                            v5_timer_granularity_ns;
    if (expired_by >= conn.connect_time) continue;
    const bool queued = std::any_of(records.begin(), records.end(), [&](std::size_t record_index) {
      const auto& record = model.records[record_index];
      return record.generation == session.generation && record.share_group.empty() &&
             record_definite(record, message.sent_time, message.processed_by) &&
             carries_publisher(record, message) && topic::matches(record.filter, message.topic);
    });
    if (queued) {
      model.exercise(v5("MQTT-3.3.2-5"));
      return;
    }
  }
}

bool may_have_expired(const ModelState& model, std::size_t index, std::int64_t time) {
  const auto& message = model.messages[index];
  if (!message.expiry) return false;
  return time >= message.sent_time + std::int64_t{*message.expiry} * nanoseconds_per_second - v5_timer_granularity_ns;
}

}  // namespace mqtt::model::detail
