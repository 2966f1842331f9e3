#include "model/ordering.hpp"

#include <tuple>

namespace mqtt::model::detail {

namespace {

auto order_key(const ModelState& model, const Connection& conn, const Publish& publish, std::size_t index) {
  const auto& message = model.messages[index];
  return std::make_tuple(conn.id, message.publisher_connection, message.topic_id, level_of(message.qos),
                         level_of(publish.qos));
}

// Wills, re-publications and re-sends have no place in their publisher's order.
bool ordered(const Message& message) {
  return !message.is_will && message.instances == 1 && !message.retransmitted;
}

}  // namespace

bool arrives_out_of_order(const ModelState& model, const Connection& conn, const Publish& publish,
                          std::size_t index) {
  // Retained copies answer new subscriptions and are not ordered (check_order sees only ordinary copies).
  if (publish.retain || conn.first_arrivals.contains(index) || !ordered(model.messages[index])) return false;
  const auto mark = model.order_marks.find(order_key(model, conn, publish, index));
  return mark != model.order_marks.end() && model.messages[index].sequence < mark->second.publish_sequence;
}

void check_order(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                 const Event& event) {
  if (!conn.first_arrivals.insert(index)) return;
  const auto& message = model.messages[index];
  if (!ordered(message)) return;
  model.exercise("MQTT-4.6.0-6");
  auto [mark, inserted] = model.order_marks.try_emplace(order_key(model, conn, publish, index));
  if (!inserted) {
    // Compared with the previous message of this topic: every topic is ordered [MQTT-4.6.0-5], and a re-sent one
    // keeps the order of the originals [MQTT-4.6.0-1].
    model.exercise("MQTT-4.6.0-5");
    if (publish.dup) model.exercise("MQTT-4.6.0-1");
    if (conn.version == ProtocolVersion::v5 && publish.dup && mark->second.resent) model.exercise(v5("MQTT-4.6.0-1"));
  }
  if (!inserted && message.sequence < mark->second.publish_sequence) {
    // 5.0 names the order of re-sent PUBLISH packets on its own: two re-sends out of the originals' order.
    const bool resends = conn.version == ProtocolVersion::v5 && publish.dup && mark->second.resent;
    model.violation(
        resends ? v5("MQTT-4.6.0-1") : std::string("MQTT-4.6.0-6"),
        "messages published by " + quoted(message.publisher) + " on " + quoted(message.topic) + " reached " +
            client_label(conn) + " out of publish order",
        {message.sequence, mark->second.publish_sequence, mark->second.receive_sequence, event.sequence});
    return;
  }
  mark->second = OrderMark{message.sequence, event.sequence, publish.dup};
}

}  // namespace mqtt::model::detail
