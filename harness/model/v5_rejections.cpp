#include "model/v5_rejections.hpp"

#include <algorithm>

#include "model/topic.hpp"

namespace mqtt::model::detail {

void note_rejected_delivery(ModelState& model, const Connection& conn, std::uint16_t packet_id, const Event& event) {
  const auto flight = conn.server_flights.find(packet_id);
  if (flight == conn.server_flights.end() || flight->second.message == no_message || !conn.accepted) return;
  const auto index = flight->second.message;
  RejectedDelivery rejected;
  rejected.message = index;
  rejected.connection = conn.id;
  rejected.client_id = conn.client_id;
  rejected.generation = conn.generation;
  rejected.packet_id = packet_id;
  rejected.sequence = event.sequence;
  rejected.time = event.time_ns;
  // The share group the refused copy came through (v5_shared.cpp remembers the member each message went to).
  for (const auto& [key, delivery] : model.shared_deliveries) {
    if (key.first == index && delivery.connection == conn.id) rejected.share_group = key.second;
  }
  model.rejected_deliveries.push_back(std::move(rejected));
}

void check_rejected_resend(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                           const Event& event) {
  for (const auto& rejected : model.rejected_deliveries) {
    if (rejected.message != index || rejected.client_id != conn.client_id ||
        rejected.generation != conn.generation || rejected.time > event.time_ns) {
      continue;
    }
    // Only a re-send is told apart from a new copy through another subscription of the session.
    if (!publish.dup && publish.packet_id != rejected.packet_id) continue;
    const auto& message = model.messages[index];
    model.violation(v5("MQTT-4.4.0-2"),
                    "the server sent the message on " + quoted(message.topic) + " to " + client_label(conn) +
                        " again although the client had answered it with a reason code of 0x80 or above",
                    {message.sequence, rejected.sequence, event.sequence});
    return;
  }
}

const RejectedDelivery* rejected_by_member(const ModelState& model, std::size_t index, const std::string& group,
                                           std::int64_t time) {
  for (const auto& rejected : model.rejected_deliveries) {
    if (rejected.message == index && rejected.share_group == group && rejected.time <= time) return &rejected;
  }
  return nullptr;
}

void exercise_rejections_at_resume(ModelState& model, const Session& session) {
  const bool refused_one = std::any_of(model.rejected_deliveries.begin(), model.rejected_deliveries.end(),
                                       [&](const RejectedDelivery& rejected) {
                                         return rejected.generation == session.generation &&
                                                rejected.share_group.empty();
                                       });
  if (refused_one) model.exercise(v5("MQTT-4.4.0-2"));
}

void finish_rejected_deliveries(ModelState& model) {
  for (const auto& rejected : model.rejected_deliveries) {
    if (rejected.share_group.empty()) continue;
    const auto& topic_name = model.messages[rejected.message].topic;
    const bool other_member = std::ranges::any_of(model.records.values(), [&](const auto& record) {
      return record.share_group == rejected.share_group && record.client_id != rejected.client_id &&
             !record.refused && record.end_ack >= rejected.time && topic::matches(record.filter, topic_name);
    });
    if (other_member) model.exercise(v5("MQTT-4.8.2-6"));
  }
}

}  // namespace mqtt::model::detail
