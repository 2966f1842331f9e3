#include "model/ordering.hpp"

#include <tuple>

namespace mqtt::model::detail {

void check_order(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                 const Event& event) {
  if (!conn.first_arrivals.insert(index).second) return;
  const auto& message = model.messages[index];
  if (message.is_will || message.instances > 1 || message.retransmitted) return;
  model.exercise("MQTT-4.6.0-6");
  auto key = std::make_tuple(conn.id, message.publisher_connection, message.topic, level_of(message.qos),
                             level_of(publish.qos));
  auto [mark, inserted] = model.order_marks.try_emplace(key);
  if (!inserted && message.sequence < mark->second.publish_sequence) {
    model.violation(
        "MQTT-4.6.0-6",
        "messages published by " + quoted(message.publisher) + " on " + quoted(message.topic) + " reached " +
            client_label(conn) + " out of publish order",
        {message.sequence, mark->second.publish_sequence, mark->second.receive_sequence, event.sequence});
    return;
  }
  mark->second = OrderMark{message.sequence, event.sequence};
}

}  // namespace mqtt::model::detail
