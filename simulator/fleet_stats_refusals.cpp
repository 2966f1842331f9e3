// FleetStatistics' refused messages: a 5.0 broker may refuse a QoS 1 or 2 PUBLISH with a PUBACK or PUBREC reason
// code of 0x80 or more (an ACL that denies the topic, a quota). It then took nothing and owes nobody a copy, so the
// message counts as `refused`, not as expected deliveries that were lost. The acknowledgement carries only the
// packet id: each connection's unacknowledged 5.0 requests map it back to the message's token.
#include <algorithm>

#include "simulator/fleet_stats_state.hpp"
#include "simulator/message_token.hpp"

namespace mqtt::simulator {

using namespace detail;

void FleetStatistics::State::request_sent(const Event& event, const Publish& publish, const MessageToken& token,
                                          std::uint64_t published_before) {
  const Unacknowledged request{*publish.packet_id, mqtt::simulator::token_hash(token.text),
                               published > published_before};
  auto& requests = unacknowledged[event.connection];
  // A resend under the same id keeps what the first sending said (whether it was a new message).
  const auto found = std::find_if(requests.begin(), requests.end(), [&](const Unacknowledged& entry) {
    return entry.packet_id == request.packet_id;
  });
  if (found == requests.end()) {
    requests.push_back(request);
  } else if (found->token_hash != request.token_hash) {
    *found = request;  // the id reused for another message: the old one's answer will not come on it
  }
}

void FleetStatistics::State::request_acknowledged(const Event& event, std::uint16_t packet_id,
                                                  std::uint8_t reason_code) {
  const auto connection = unacknowledged.find(event.connection);
  if (connection == unacknowledged.end()) return;
  auto& requests = connection->second;
  // Acknowledgements come in sending order: the oldest request is nearly always the one answered.
  const auto found = std::find_if(requests.begin(), requests.end(),
                                  [&](const Unacknowledged& entry) { return entry.packet_id == packet_id; });
  if (found == requests.end()) return;
  const Unacknowledged request = *found;
  requests.erase(found);
  if (reason_code >= 0x80) message_refused(request.token_hash, request.fresh, event.time_ns);
}

void FleetStatistics::State::message_refused(std::uint64_t token_hash, bool fresh, std::int64_t now_ns) {
  const auto found = pending.find(token_hash);
  if (found == pending.end()) {
    // Awaited by nobody (no subscriber, or every copy came). Counted once: a resend that was no new message is
    // the same message, refused again.
    if (fresh) ++refused_messages;
    return;
  }
  ++refused_messages;
  Pending& message = found->second;
  for (auto& slot : message.slots) {
    if (!slot.expected || slot.copies > 0) continue;
    slot.expected = false;
    --expected;
  }
  message.awaiting = 0;
  settle(token_hash, message, now_ns);
  forget(found);
}

}  // namespace mqtt::simulator
