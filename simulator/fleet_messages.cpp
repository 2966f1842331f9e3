// FleetStatistics' messages (fleet_stats_state.hpp), each from its sending to its last copy: who was expected
// to get it, which copies came (and with what latency), which were duplicates, and which were lost and why. A
// message is held until every expected subscriber has its copy or the settle window has passed; after that
// its numbers (or its marks, for unnumbered tokens) still tell a late copy from a duplicate.
#include <algorithm>

#include "simulator/fleet_stats_state.hpp"
#include "simulator/message_token.hpp"

namespace mqtt::simulator {

using namespace detail;

// The cause of a missing copy, judged at `now_ns` (the end of the history, or the end of the window).
std::string FleetStatistics::State::loss_cause(const Pending& message, const Slot& slot,
                                               const std::unordered_set<std::uint32_t>& faulted,
                                               const std::unordered_set<ActorId>& faulted_receivers) const {
  const QoS effective = std::min(slot.granted, message.qos);
  if (effective == QoS::at_most_once) return "qos0-not-delivered";
  if (faulted.contains(message.connection)) return "publisher-connection-faulted";
  if (faulted_receivers.contains(slot.actor)) return "subscriber-faulted";
  if (!slot.online_at_send) return "subscriber-offline";
  if (online[slot.actor] == 0) return "subscriber-left-before-delivery";
  return "no-fault-recorded";
}

void FleetStatistics::State::count_losses(const Pending& message,
                                          std::map<std::string, std::uint64_t>& causes,
                                          PerSecondSeries& series) const {
  for (const auto& slot : message.slots) {
    if (!slot.expected || slot.copies > 0) continue;
    ++causes[loss_cause(message, slot, faulted_connections, faulted_actors)];
    series.lost(message.time_ns);
  }
}

void FleetStatistics::State::settle(std::uint64_t token_hash, const Pending& message, std::int64_t now_ns) {
  if (message.numbered) {
    for (const auto& slot : message.slots) {
      if (slot.copies > 0) copy_numbers[pair_key(slot.actor, message.publisher)].mark(message.number);
    }
    return;
  }
  remember(sent_mark(token_hash), now_ns);
  for (const auto& slot : message.slots) {
    if (slot.copies > 0) remember(copy_mark(token_hash, slot.actor), now_ns);
  }
}

// Messages older than the window are judged now; marks older than the window are forgotten.
void FleetStatistics::State::expire(std::int64_t now_ns) {
  while (!pending_order.empty()) {
    const auto [sent_ns, token_hash] = pending_order.front();
    // The front known to be awaited (nearly every event: the oldest message in flight) costs no lookup.
    if (front_awaited && sent_ns + limits.settle_window_ns >= now_ns) break;
    auto found = pending.find(token_hash);
    const bool settled_already = found == pending.end() || found->second.time_ns != sent_ns;
    if (!settled_already && sent_ns + limits.settle_window_ns >= now_ns) {
      front_awaited = true;
      break;
    }
    front_awaited = false;
    pending_order.pop_front();
    if (settled_already) continue;
    count_losses(found->second, losses_by_cause, timeline);
    settle(token_hash, found->second, now_ns);
    forget(found);
  }
  while (!settled_order.empty() && settled_order.front().first <= now_ns) {
    settled.erase(settled_order.front().second);
    settled_order.pop_front();
  }
}

void FleetStatistics::State::message_sent(const Event& event, const Publish& publish,
                                          const MessageToken& token) {
  const std::uint64_t token_hash = mqtt::simulator::token_hash(token.text);
  // A resend of a message already counted (the publisher's retry) is no new message.
  if (pending.contains(token_hash)) return;
  Pending& message = next_message;
  message.time_ns = event.time_ns;
  message.qos = publish.qos;
  message.connection = event.connection;
  message.awaiting = 0;
  message.slots.clear();
  message.publisher = 0;
  message.number = 0;
  message.numbered = false;
  ConnectionMemo& memo = memo_of(event.connection);
  if (token.numbered) {
    message.numbered = true;
    message.publisher = token_publisher_of(memo, token.client);
    message.number = token.number;
    if (sent_numbers[message.publisher].mark(message.number)) return;
  } else if (settled.contains(sent_mark(token_hash))) {
    return;
  }
  ++published;
  timeline.published(event.time_ns);
  for (const auto& [actor, granted] : reach_of_connection(memo, publish.topic)) {
    message.slots.push_back(Slot{actor, granted, true, online[actor] > 0, 0});
  }
  message.awaiting = static_cast<std::uint32_t>(message.slots.size());
  expected += message.awaiting;
  if (message.awaiting == 0) {
    if (!message.numbered) remember(sent_mark(token_hash), event.time_ns);
    return;
  }
  if (spare_messages.empty()) {
    pending.emplace(token_hash, std::move(message));
  } else {
    // The spare's slot vector comes back into next_message: both keep their capacity.
    auto node = std::move(spare_messages.back());
    spare_messages.pop_back();
    node.key() = token_hash;
    Pending& reused = node.mapped();
    reused.slots.swap(message.slots);
    reused.time_ns = message.time_ns;
    reused.qos = message.qos;
    reused.connection = message.connection;
    reused.awaiting = message.awaiting;
    reused.publisher = message.publisher;
    reused.number = message.number;
    reused.numbered = message.numbered;
    pending.insert(std::move(node));
  }
  pending_order.emplace_back(event.time_ns, token_hash);
  // One message still awaited at the front keeps every later, settled one in the order until its window ends:
  // drop those now and then, so the order holds about as much as the messages awaited.
  if (pending_order.size() > 2 * pending.size() + 1024) {
    std::erase_if(pending_order, [&](const std::pair<std::int64_t, std::uint64_t>& entry) {
      const auto found = pending.find(entry.second);
      return found == pending.end() || found->second.time_ns != entry.first;
    });
  }
}

void FleetStatistics::State::message_received(const Event& event, const Publish& publish,
                                              const MessageToken& token) {
  ++delivered;
  const ActorId receiver = actor_of_event(event);
  const std::uint64_t token_hash = mqtt::simulator::token_hash(token.text);
  const auto duplicate = [&] {
    const std::string cause =
        publish.dup ? "redelivery-with-dup-flag"
                    : "qos" + std::to_string(static_cast<int>(publish.qos)) + "-copy-without-dup-flag";
    ++duplicates_by_cause[cause];
    timeline.duplicate(event.time_ns);
  };
  auto found = pending.find(token_hash);
  if (found == pending.end()) {
    // Its sending is unknown or settled already (a subscriber nobody expected, or later than the window).
    if (token.numbered) {
      const ActorId publisher = actor_of(token.client);
      if (copy_numbers[pair_key(receiver, publisher)].mark(token.number)) return duplicate();
    } else {
      const auto mark = copy_mark(token_hash, receiver);
      if (settled.contains(mark)) return duplicate();
      remember(mark, event.time_ns);
    }
    timeline.delivered(event.time_ns, publish.qos, 0);
    return;
  }
  auto& message = found->second;
  auto slot = std::find_if(message.slots.begin(), message.slots.end(),
                           [&](const Slot& candidate) { return candidate.actor == receiver; });
  if (slot != message.slots.end() && slot->copies > 0) {
    ++slot->copies;
    return duplicate();
  }
  const double latency_ms = static_cast<double>(event.time_ns - message.time_ns) / 1e6;
  const auto bucket = LatencyHistogram::bucket_of(latency_ms);
  delivery_latency[static_cast<int>(publish.qos) % 3].add(latency_ms, bucket);
  timeline.delivered(event.time_ns, publish.qos, latency_ms, bucket);
  if (slot == message.slots.end()) {
    message.slots.push_back(Slot{receiver, publish.qos, false, false, 1});
  } else {
    slot->copies = 1;
    --message.awaiting;
  }
  if (message.awaiting == 0) {
    settle(token_hash, message, event.time_ns);
    forget(found);
  }
}

}  // namespace mqtt::simulator
