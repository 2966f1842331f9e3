#include "model/v5_flow_acknowledgements.hpp"

#include <algorithm>

#include "model/requests.hpp"

namespace mqtt::model::detail {

namespace {

constexpr std::uint8_t no_subscription_existed = 0x11;

std::string full_filter(const SubscriptionRecord& record) {
  return record.share_group.empty() ? record.filter : "$share/" + record.share_group + "/" + record.filter;
}

}  // namespace

void note_v5_unsubscribe(ModelState& model, Connection& conn, const Unsubscribe& unsubscribe, const Event& event) {
  auto& held = conn.v5.unsubscribe_filters_held[unsubscribe.packet_id];
  held.assign(unsubscribe.filters.size(), FilterHeld::unknown);
  // Only a session whose every subscription the history shows can be known not to hold a filter.
  const bool known = model.generation_known(conn);
  for (std::size_t i = 0; i < unsubscribe.filters.size(); ++i) {
    bool certainly = false;
    bool possibly = false;
    for (const auto& record : model.records.values()) {
      if (record.client_id != conn.client_id || record.generation != conn.generation) continue;
      if (record.end_sent != never || full_filter(record) != unsubscribe.filters[i]) continue;
      possibly = true;
      // Granted by a SUBACK that arrived before this UNSUBSCRIBE was sent.
      if (!record.refused && record.start_ack != never && record.start_ack <= event.time_ns) certainly = true;
    }
    if (certainly) {
      held[i] = FilterHeld::held;
    } else if (!possibly && known) {
      held[i] = FilterHeld::not_held;
    }
  }
}

void check_v5_unsuback(ModelState& model, Connection& conn, const Unsuback& unsuback, const Event& event) {
  const auto noted = conn.v5.unsubscribe_filters_held.find(unsuback.packet_id);
  if (noted == conn.v5.unsubscribe_filters_held.end()) return;
  const auto held = std::move(noted->second);
  conn.v5.unsubscribe_filters_held.erase(noted);
  const auto request = find_request(conn, PacketType::unsuback, unsuback.packet_id);
  if (request == conn.requests.end() || request->filters.size() != held.size()) return;
  // A swap of the codes shows only between a filter the session held and one it did not.
  const bool mixed = std::find(held.begin(), held.end(), FilterHeld::held) != held.end() &&
                     std::find(held.begin(), held.end(), FilterHeld::not_held) != held.end();
  if (!mixed) return;
  model.exercise(v5("MQTT-3.11.3-1"));
  const auto count = std::min(held.size(), unsuback.reason_codes.size());
  for (std::size_t i = 0; i < count; ++i) {
    if (held[i] != FilterHeld::held || unsuback.reason_codes[i] != no_subscription_existed) continue;
    model.violation(v5("MQTT-3.11.3-1"),
                    "UNSUBACK " + std::to_string(unsuback.packet_id) + " to " + client_label(conn) +
                        " says no subscription existed for filter " + std::to_string(i + 1) + " " +
                        quoted(request->filters[i]) +
                        ", which the session held: its reason codes are not in the order of the filters",
                    {request->sequence, event.sequence});
    return;
  }
}

void exercise_v5_suback(ModelState& model, Connection& conn, const Suback& suback) {
  const auto request = find_request(conn, PacketType::suback, suback.packet_id);
  if (request == conn.requests.end() || request->invalid_filter) return;
  // subscriptions.cpp reports a granted QoS above the one requested under this statement.
  if (std::any_of(request->subscriptions.begin(), request->subscriptions.end(),
                  [](const Subscription& subscription) { return subscription.qos != QoS::exactly_once; })) {
    model.exercise(v5("MQTT-3.8.4-7"));
  }
}

}  // namespace mqtt::model::detail
