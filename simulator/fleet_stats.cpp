// FleetStatistics: the dispatch of each event to what it counts (connections, subscriptions, messages in
// fleet_messages.cpp, wills, retained values, connect outcomes), and which subscribers a topic reaches.
#include "simulator/fleet_stats.hpp"

#include <algorithm>
#include <optional>

#include "model/topic.hpp"
#include "simulator/fleet_stats_state.hpp"
#include "simulator/message_token.hpp"

namespace mqtt::simulator {

using history::Event;
using history::EventKind;
using namespace detail;

const std::vector<std::pair<ActorId, QoS>>& FleetStatistics::State::reach_of(const std::string& topic_name) {
  auto found = topic_reach.find(topic_name);
  if (found != topic_reach.end()) return found->second;
  if (topic_reach.size() >= topic_cache_limit) clear_topic_reach();
  std::vector<std::pair<ActorId, QoS>> reach;
  for (const auto& [actor, subscriber] : subscribers) {
    std::optional<QoS> granted;
    for (const auto& [filter, qos] : subscriber.filters) {
      if (topic::matches(filter, topic_name)) granted = std::max(granted.value_or(QoS::at_most_once), qos);
    }
    if (granted) reach.emplace_back(actor, *granted);
  }
  return topic_reach.emplace(topic_name, std::move(reach)).first->second;
}

FleetStatistics::State::ConnectionMemo& FleetStatistics::State::new_memo(std::uint32_t connection) {
  const std::size_t slot = connection & (memo_slots - 1);
  if (slot >= memos.size()) memos.resize(slot + 1);  // grows with the numbers seen, up to detail::memo_slots
  ConnectionMemo& memo = memos[slot];
  if (memo.connection != connection) {
    memo = ConnectionMemo{};
    memo.connection = connection;
  }
  return memo;
}

void FleetStatistics::State::subscribed(const Event& event, const Subscribe& subscribe) {
  auto& subscriber = subscribers[actor_of_event(event)];
  bool changed = subscriber.filters.empty();
  for (const auto& subscription : subscribe.subscriptions) {
    auto [found, inserted] = subscriber.filters.try_emplace(subscription.filter, subscription.qos);
    if (!inserted && subscription.qos > found->second) {
      found->second = subscription.qos;
      inserted = true;
    }
    changed = changed || inserted;
  }
  if (changed) clear_topic_reach();
}

void FleetStatistics::State::observe(const Event& event) {
  last_time_ns = event.time_ns;
  any_event = true;
  expire(event.time_ns);
  // The connect outcomes read no packet but CONNECT and CONNACK: the call is skipped for the rest (nearly every
  // event is a PUBLISH or its acknowledgement).
  const bool packet_event = (event.kind == EventKind::sent || event.kind == EventKind::received) && event.packet;
  if (!packet_event || std::holds_alternative<Connect>(*event.packet) ||
      std::holds_alternative<Connack>(*event.packet))
    outcomes.observe(event);
  wills.observe(event);
  retained.observe(event);
  switch (event.kind) {
    case EventKind::open: {
      const ActorId actor = actor_of_event(event);
      if (++opens[actor] > 1) timeline.reconnected(event.time_ns);
      ++online[actor];
      open_connections[event.connection] = actor;
      break;
    }
    case EventKind::closed: {
      if (accepted_connections.erase(event.connection) > 0) timeline.disconnected(event.time_ns);
      connect_sent.erase(event.connection);
      unacknowledged.erase(event.connection);  // no answer comes on a closed connection
      if (auto found = open_connections.find(event.connection); found != open_connections.end()) {
        --online[found->second];
        open_connections.erase(found);
      }
      break;
    }
    case EventKind::open_failed:
      ++open_failures;
      break;
    case EventKind::fault:
      ++faults;
      ++faults_by_kind[event.fault];
      timeline.fault_event(event.time_ns, event.fault);
      faulted_connections.insert(event.connection);
      faulted_actors.insert(actor_of_event(event));
      break;
    case EventKind::sent: {
      if (!event.packet) break;
      if (std::holds_alternative<Connect>(*event.packet)) connect_sent[event.connection] = event.time_ns;
      if (const auto* subscribe = std::get_if<Subscribe>(&*event.packet)) subscribed(event, *subscribe);
      if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
        ++publish_packets_sent;
        const auto token = read_token(publish->payload);
        if (!token.text.empty()) {
          const std::uint64_t published_before = published;
          message_sent(event, *publish, token);
          if (publish->packet_id && publish->version == ProtocolVersion::v5)
            request_sent(event, *publish, token, published_before);
        }
      }
      break;
    }
    case EventKind::received: {
      if (!event.packet) break;
      if (const auto* connack = std::get_if<Connack>(&*event.packet)) {
        auto found = connect_sent.find(event.connection);
        if (found != connect_sent.end()) {
          connect_latency.add(static_cast<double>(event.time_ns - found->second) / 1e6);
          connect_sent.erase(found);
        }
        if (connack->reason_code != 0) {
          ++refused;
        } else if (accepted_connections.insert(event.connection).second) {
          timeline.connected(event.time_ns);
        }
      }
      if (!unacknowledged.empty()) {
        if (const auto* puback = std::get_if<Puback>(&*event.packet)) {
          request_acknowledged(event, puback->packet_id, puback->reason_code);
        } else if (const auto* pubrec = std::get_if<Pubrec>(&*event.packet)) {
          request_acknowledged(event, pubrec->packet_id, pubrec->reason_code);
        }
      }
      if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
        ++publish_packets_received;
        const auto token = read_token(publish->payload);
        if (!token.text.empty()) message_received(event, *publish, token);
      }
      break;
    }
    default:
      break;
  }
}

FleetStatistics::FleetStatistics(const FleetSpec& spec) : FleetStatistics(spec, FleetStatisticsLimits{}) {}
FleetStatistics::FleetStatistics(const FleetSpec& spec, const FleetStatisticsLimits& limits)
    : state_(std::make_unique<State>(spec, limits)) {}
FleetStatistics::FleetStatistics(FleetStatistics&&) noexcept = default;
FleetStatistics& FleetStatistics::operator=(FleetStatistics&&) noexcept = default;
FleetStatistics::~FleetStatistics() = default;

void FleetStatistics::observe(const Event& event) { state_->observe(event); }

nlohmann::json FleetStatistics::finish() const { return state_->finish(); }

std::size_t FleetStatistics::tracked() const {
  const auto& state = *state_;
  std::size_t words = 0;
  for (const auto& numbers : state.sent_numbers) words += numbers.words();
  for (const auto& [pair, numbers] : state.copy_numbers) words += numbers.words();
  std::size_t requests = 0;
  for (const auto& [connection, unacknowledged] : state.unacknowledged) requests += unacknowledged.size();
  return state.pending.size() + state.pending_order.size() + state.settled.size() + words + requests;
}

std::size_t FleetStatistics::tracked_state() const {
  const auto& state = *state_;
  return tracked() + state.actor_names.size() + state.open_connections.size() + state.connect_sent.size() +
         state.accepted_connections.size() + state.subscribers.size() + state.topic_reach.size() +
         state.outcomes.tracked() + state.wills.tracked() + state.retained.tracked();
}

nlohmann::json compute_fleet_stats(const history::History& history, const FleetSpec& spec) {
  FleetStatistics statistics(spec);
  for (const Event& event : history.events) statistics.observe(event);
  return statistics.finish();
}

}  // namespace mqtt::simulator
