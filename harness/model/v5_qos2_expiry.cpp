#include "model/v5_qos2_expiry.hpp"

#include <algorithm>
#include <string>

#include "model/statement_citation.hpp"
#include "model/v5_session_expiry.hpp"

namespace mqtt::model::detail {
namespace {

constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;

}  // namespace

void cite_expired_in_flight(ModelState& model, const Connection& conn) {
  const auto owed = model.duties_by_client.find(conn.client_id);
  if (owed == model.duties_by_client.end()) return;
  const std::string general = "MQTT-4.4.0-1";
  for (const auto duty_index : owed->second) {
    auto& duty = model.duties[duty_index];
    if (!duty.redelivery_id || duty.settled || duty.cancelled || duty.statement != general ||
        duty.client_id != conn.client_id || duty.generation != conn.generation ||
        duty.required != QoS::exactly_once || !model.messages.contains(duty.message)) {
      continue;
    }
    const auto& message = model.messages[duty.message];
    if (!message.expiry || message.processed_by == never) continue;
    // Certainly expired before the client asked to resume: the server had the message by processed_by.
    const auto expired_by =
        message.processed_by + std::int64_t{*message.expiry} * nanoseconds_per_second + v5_timer_granularity_ns;
    if (expired_by >= conn.connect_time) continue;
    duty.statement = v5("MQTT-4.3.3-7");
    if (std::find(duty.judged_with.begin(), duty.judged_with.end(), general) == duty.judged_with.end()) {
      duty.judged_with.push_back(general);
    }
    duty.description += " (a QoS 2 PUBLISH already sent, whose Message Expiry Interval ran out meanwhile)";
    model.exercise(duty.statement);
  }
}

bool resends_begun_delivery(const ModelState& model, const Connection& conn, const Publish& publish,
                            std::size_t index) {
  if (!publish.packet_id) return false;
  const auto owed = model.duties_by_message.find(index);
  if (owed == model.duties_by_message.end()) return false;
  return std::any_of(owed->second.begin(), owed->second.end(), [&](std::size_t duty_index) {
    const auto& duty = model.duties[duty_index];
    return duty.redelivery_id == publish.packet_id && duty.client_id == conn.client_id &&
           duty.generation == conn.generation;
  });
}

}  // namespace mqtt::model::detail
