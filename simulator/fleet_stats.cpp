#include "simulator/fleet_stats.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "model/topic.hpp"
#include "simulator/connect_outcomes.hpp"
#include "simulator/latency_histogram.hpp"
#include "simulator/per_second_series.hpp"
#include "simulator/retained_stats.hpp"
#include "simulator/seen_numbers.hpp"
#include "simulator/will_stats.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

using ActorId = std::uint32_t;

// One subscriber's stake in a message: whether it was expected to get it (it had asked for the topic before
// the message was sent), whether it was connected then, and how many copies it got.
struct Slot {
  ActorId actor = 0;
  QoS granted = QoS::at_most_once;
  bool expected = false;
  bool online_at_send = false;
  std::uint32_t copies = 0;
};

// A message some subscriber still awaits.
struct Pending {
  std::int64_t time_ns = 0;
  QoS qos = QoS::at_most_once;
  std::uint32_t connection = 0;  // the publisher's
  std::uint32_t awaiting = 0;    // expected slots without a copy
  std::vector<Slot> slots;
  ActorId publisher = 0;         // the client named in the token, with the message's number, when it has one
  std::uint64_t number = 0;
  bool numbered = false;
};

// "CLIENTID#N|" -> (CLIENTID, N); nullopt when the part after the last '#' is not a number.
std::optional<std::pair<std::string_view, std::uint64_t>> numbered_token(std::string_view token) {
  const auto hash = token.rfind('#');
  if (hash == std::string_view::npos || token.size() < hash + 3) return std::nullopt;
  std::uint64_t number = 0;
  for (const char digit : token.substr(hash + 1, token.size() - hash - 2)) {
    if (digit < '0' || digit > '9' || number > (UINT64_MAX - 9) / 10) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(digit - '0');
  }
  return std::pair{token.substr(0, hash), number};
}

std::uint64_t pair_key(ActorId receiver, ActorId publisher) {
  return (static_cast<std::uint64_t>(receiver) << 32) | publisher;
}

struct Subscriber {
  std::map<std::string, QoS, std::less<>> filters;  // requested, from SUBSCRIBE packets sent; highest QoS asked
};

double nearest_rank(const std::vector<double>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

// Messages and copies are remembered by 64-bit hashes (a collision among the few hundred thousand held at once
// is about 1 in 10^8): the token's for the message, mixed with the receiver for a copy.
std::uint64_t mixed(std::uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  return value ^ (value >> 33);
}

std::uint64_t copy_mark(std::uint64_t token_hash, ActorId receiver) {
  return mixed(token_hash ^ mixed(static_cast<std::uint64_t>(receiver) + 1));
}

std::uint64_t sent_mark(std::uint64_t token_hash) { return mixed(token_hash); }

constexpr std::size_t topic_cache_limit = 100'000;

// Slots of the per-connection memo table (ConnectionMemo), a power of two: a connection takes slot number mod
// slots, and a connection numbered apart by a multiple of it takes the slot over. Fixed, so the table stays
// about 1 MB however many connections a run opens; a fleet's open connections have nearby numbers.
constexpr std::size_t memo_slots = std::size_t{1} << 14;
// Finished messages whose map node (and slot vector) is kept for the next one: no allocation per message.
constexpr std::size_t spare_message_limit = 256;
constexpr ActorId no_actor = UINT32_MAX;

}  // namespace

std::string message_token(const std::string& client_id, std::uint64_t number) {
  return client_id + "#" + std::to_string(number) + "|";
}

std::string_view token_of(const Bytes& payload) {
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  const auto bar = text.find('|');
  if (bar == std::string_view::npos || text.find('#') == std::string_view::npos) return {};
  return text.substr(0, bar + 1);
}

nlohmann::json percentiles(std::vector<double>& values) {
  nlohmann::json result = {{"count", values.size()}};
  if (values.empty()) return result;
  std::sort(values.begin(), values.end());
  result["p50"] = rounded(nearest_rank(values, 0.50));
  result["p90"] = rounded(nearest_rank(values, 0.90));
  result["p99"] = rounded(nearest_rank(values, 0.99));
  result["p99.9"] = rounded(nearest_rank(values, 0.999));
  result["max"] = rounded(values.back());
  return result;
}

struct FleetStatistics::State {
  State(const FleetSpec& fleet_spec, const FleetStatisticsLimits& fleet_limits)
      : spec(fleet_spec), limits(fleet_limits), timeline(fleet_spec, fleet_limits.timeline_points) {}

  FleetSpec spec;
  FleetStatisticsLimits limits;
  std::int64_t last_time_ns = 0;
  bool any_event = false;

  // Devices and connections.
  // Looked up by string_view (heterogeneous lookup): a numbered token's publisher is looked up once per message
  // without building a string for it.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  std::unordered_map<std::string, ActorId, NameHash, std::equal_to<>> actor_ids;
  std::vector<std::string> actor_names;
  std::vector<std::uint64_t> opens;         // per actor: connections opened
  std::vector<std::uint32_t> online;        // per actor: connections open now
  // What a connection's events looked up last, so that the next event of the same connection compares names
  // instead of hashing them: its actor, the publisher named in the tokens it sent, and the subscribers its
  // topic reaches (valid while reach_generation is unchanged). Each is checked against the event, never trusted.
  struct ConnectionMemo {
    std::uint32_t connection = 0;  // whose memo this slot holds
    ActorId actor = no_actor;
    ActorId token_publisher = no_actor;
    std::string topic;
    std::uint64_t reach_generation = 0;
    const std::vector<std::pair<ActorId, QoS>>* reach = nullptr;
  };
  std::vector<ConnectionMemo> memos;  // at most memo_slots
  std::unordered_map<std::uint32_t, ActorId> open_connections;  // connection -> actor, while open
  std::unordered_map<std::uint32_t, std::int64_t> connect_sent;  // connection -> CONNECT time, until its CONNACK
  std::unordered_set<std::uint32_t> accepted_connections;        // a CONNACK accepted the session, still open
  std::uint64_t open_failures = 0, refused = 0, faults = 0;
  std::map<std::string, std::uint64_t> faults_by_kind;
  std::unordered_set<std::uint32_t> faulted_connections;
  std::unordered_set<ActorId> faulted_actors;

  // Subscriptions, and which subscribers a topic reaches (a cache, emptied when a subscription changes).
  std::unordered_map<ActorId, Subscriber> subscribers;
  std::unordered_map<std::string, std::vector<std::pair<ActorId, QoS>>> topic_reach;
  std::uint64_t reach_generation = 1;  // counts the clearings of topic_reach (memos hold pointers into it)

  // Messages.
  using PendingMap = std::unordered_map<std::uint64_t, Pending>;
  PendingMap pending;    // token hash -> message awaited by a subscriber
  std::vector<PendingMap::node_type> spare_messages;  // extracted nodes kept for reuse (spare_message_limit)
  Pending next_message;  // the message being sent, built here so its slot vector keeps its capacity
  std::deque<std::pair<std::int64_t, std::uint64_t>> pending_order;  // (sent time, token hash), in sending order
  // What was sent and which copies came, once the message itself is forgotten: for numbered tokens per
  // publisher and per (receiver, publisher) pair; for any other token by hash for a settle window.
  std::vector<SeenNumbers> sent_numbers;  // per actor (as publisher)
  std::unordered_map<std::uint64_t, SeenNumbers> copy_numbers;  // pair_key -> numbers a receiver got
  std::unordered_set<std::uint64_t> settled;             // sent_mark and copy_mark of settled messages
  std::deque<std::pair<std::int64_t, std::uint64_t>> settled_order;  // (forget time, mark)
  std::uint64_t published = 0, expected = 0, delivered = 0;
  std::uint64_t publish_packets_sent = 0, publish_packets_received = 0;
  std::map<std::string, std::uint64_t> losses_by_cause, duplicates_by_cause;

  LatencyHistogram connect_latency;
  LatencyHistogram delivery_latency[3];
  PerSecondSeries timeline;
  ConnectOutcomeTracker outcomes;
  WillStatistics wills;
  RetainedStatistics retained;

  ActorId actor_of(std::string_view name) {
    if (const auto found = actor_ids.find(name); found != actor_ids.end()) return found->second;
    const auto actor = static_cast<ActorId>(actor_names.size());
    actor_ids.emplace(std::string(name), actor);
    actor_names.emplace_back(name);
    opens.push_back(0);
    online.push_back(0);
    sent_numbers.emplace_back();
    return actor;
  }

  ConnectionMemo& memo_of(std::uint32_t connection) {
    const std::size_t slot = connection & (memo_slots - 1);
    if (slot >= memos.size()) memos.resize(slot + 1);  // grows with the numbers seen, up to memo_slots
    ConnectionMemo& memo = memos[slot];
    if (memo.connection != connection) {
      memo = ConnectionMemo{};
      memo.connection = connection;
    }
    return memo;
  }

  // actor_of(event.actor), remembered per connection.
  ActorId actor_of_event(const Event& event) {
    ConnectionMemo& memo = memo_of(event.connection);
    if (memo.actor != no_actor && actor_names[memo.actor] == event.actor) return memo.actor;
    return memo.actor = actor_of(event.actor);
  }

  // actor_of(name) for the publisher named in a token the connection sent: nearly always the same one.
  ActorId token_publisher_of(std::uint32_t connection, std::string_view name) {
    ConnectionMemo& memo = memo_of(connection);
    if (memo.token_publisher != no_actor && actor_names[memo.token_publisher] == name) return memo.token_publisher;
    return memo.token_publisher = actor_of(name);
  }

  // reach_of(topic), remembered per connection until a subscription changes.
  const std::vector<std::pair<ActorId, QoS>>& reach_of_connection(std::uint32_t connection,
                                                                  const std::string& topic_name) {
    ConnectionMemo& memo = memo_of(connection);
    if (memo.reach && memo.reach_generation == reach_generation && memo.topic == topic_name) return *memo.reach;
    const auto& reach = reach_of(topic_name);
    memo.topic = topic_name;
    memo.reach = &reach;
    memo.reach_generation = reach_generation;
    return reach;
  }

  void clear_topic_reach() {
    topic_reach.clear();
    ++reach_generation;
  }

  // Forgets a message, keeping its node for the next one.
  void forget(PendingMap::iterator found) {
    if (spare_messages.size() < spare_message_limit) {
      spare_messages.push_back(pending.extract(found));
    } else {
      pending.erase(found);
    }
  }

  void remember(std::uint64_t mark, std::int64_t now_ns) {
    if (settled.insert(mark).second) settled_order.emplace_back(now_ns + limits.settle_window_ns, mark);
  }

  // The cause of a missing copy, judged at `now_ns` (the end of the history, or the end of the window).
  std::string loss_cause(const Pending& message, const Slot& slot, const std::unordered_set<std::uint32_t>& faulted,
                         const std::unordered_set<ActorId>& faulted_receivers) const {
    const QoS effective = std::min(slot.granted, message.qos);
    if (effective == QoS::at_most_once) return "qos0-not-delivered";
    if (faulted.contains(message.connection)) return "publisher-connection-faulted";
    if (faulted_receivers.contains(slot.actor)) return "subscriber-faulted";
    if (!slot.online_at_send) return "subscriber-offline";
    if (online[slot.actor] == 0) return "subscriber-left-before-delivery";
    return "no-fault-recorded";
  }

  void count_losses(const Pending& message, std::map<std::string, std::uint64_t>& causes,
                    PerSecondSeries& series) const {
    for (const auto& slot : message.slots) {
      if (!slot.expected || slot.copies > 0) continue;
      ++causes[loss_cause(message, slot, faulted_connections, faulted_actors)];
      series.lost(message.time_ns);
    }
  }

  void settle(std::uint64_t token_hash, const Pending& message, std::int64_t now_ns) {
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
  void expire(std::int64_t now_ns) {
    while (!pending_order.empty()) {
      const auto [sent_ns, token_hash] = pending_order.front();
      auto found = pending.find(token_hash);
      const bool settled_already = found == pending.end() || found->second.time_ns != sent_ns;
      if (!settled_already && sent_ns + limits.settle_window_ns >= now_ns) break;
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

  const std::vector<std::pair<ActorId, QoS>>& reach_of(const std::string& topic_name) {
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

  void subscribed(const Event& event, const Subscribe& subscribe) {
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

  void message_sent(const Event& event, const Publish& publish, std::string_view token) {
    const std::uint64_t token_hash = std::hash<std::string_view>{}(token);
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
    if (const auto numbered = numbered_token(token)) {
      message.numbered = true;
      message.publisher = token_publisher_of(event.connection, numbered->first);
      message.number = numbered->second;
      if (sent_numbers[message.publisher].mark(message.number)) return;
    } else if (settled.contains(sent_mark(token_hash))) {
      return;
    }
    ++published;
    timeline.published(event.time_ns);
    for (const auto& [actor, granted] : reach_of_connection(event.connection, publish.topic)) {
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
      std::swap(node.mapped(), message);
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

  void message_received(const Event& event, const Publish& publish, std::string_view token) {
    ++delivered;
    const ActorId receiver = actor_of_event(event);
    const std::uint64_t token_hash = std::hash<std::string_view>{}(token);
    const auto duplicate = [&] {
      const std::string cause = publish.dup ? "redelivery-with-dup-flag"
                                            : "qos" + std::to_string(static_cast<int>(publish.qos)) +
                                                  "-copy-without-dup-flag";
      ++duplicates_by_cause[cause];
      timeline.duplicate(event.time_ns);
    };
    auto found = pending.find(token_hash);
    if (found == pending.end()) {
      // Its sending is unknown or settled already (a subscriber nobody expected, or later than the window).
      if (const auto numbered = numbered_token(token)) {
        const ActorId publisher = actor_of(numbered->first);
        if (copy_numbers[pair_key(receiver, publisher)].mark(numbered->second)) return duplicate();
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

  void observe(const Event& event);
  nlohmann::json finish() const;
};

void FleetStatistics::State::observe(const Event& event) {
  last_time_ns = event.time_ns;
  any_event = true;
  expire(event.time_ns);
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
        const auto token = token_of(publish->payload);
        if (!token.empty()) message_sent(event, *publish, token);
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
      if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
        ++publish_packets_received;
        const auto token = token_of(publish->payload);
        if (!token.empty()) message_received(event, *publish, token);
      }
      break;
    }
    default:
      break;
  }
}

nlohmann::json FleetStatistics::State::finish() const {
  const std::int64_t history_end = any_event ? last_time_ns : 0;
  // The messages still awaited are judged at the end of the history, on copies: finish() may be called again.
  auto losses = losses_by_cause;
  PerSecondSeries series = timeline;
  for (const auto& [token_hash, message] : pending) count_losses(message, losses, series);

  nlohmann::json stats;
  std::uint64_t connections = 0, reconnects = 0;
  for (const auto count : opens) {
    connections += count;
    reconnects += count > 0 ? count - 1 : 0;
  }
  stats["fleet"] = {{"scenario", spec.name},      {"connections", connections},
                    {"reconnects", reconnects},   {"open_failures", open_failures},
                    {"connack_refused", refused}, {"faults_recorded", faults}};
  // Which connection attempts the broker took up: refused, unanswered and failed reconnects are no test of it.
  const auto connects = outcomes.result();
  auto& fleet = stats["fleet"];
  fleet["connects_sent"] = connects.connects_sent;
  fleet["connack_accepted"] = connects.accepted;
  fleet["connack_refused_codes"] = nlohmann::json::object();
  for (const auto& [code, count] : connects.refused) fleet["connack_refused_codes"][std::to_string(code)] = count;
  fleet["connack_refused_version"] = std::string(to_string(connects.refused_version));
  fleet["connects_unanswered"] = connects.unanswered;
  fleet["reconnects_unanswered"] = connects.reconnects_unanswered;
  std::uint64_t ending_unconnected = 0;
  for (const auto& actor : connects.last_attempt_failed) ending_unconnected += connects.accepted_actors.count(actor);
  fleet["clients_ending_unconnected"] = ending_unconnected;
  stats["connect_latency_ms"] = connect_latency.to_json();
  for (int qos = 0; qos < 3; ++qos) {
    stats["delivery_latency_ms"]["qos" + std::to_string(qos)] = delivery_latency[qos].to_json();
  }
  stats["timeline"] = series.to_json(history_end, spec);
  // What the scenario planned, so a report can say when the run was too short for it.
  std::uint32_t ramp_end_ms = 0, last_fault_end_ms = 0;
  for (const auto& group : spec.groups) {
    const double ramp_ms = group.connect_rate > 0 ? 1000.0 * group.count / group.connect_rate : 0;
    ramp_end_ms = std::max(ramp_end_ms, group.start_ms + static_cast<std::uint32_t>(ramp_ms));
  }
  for (const auto& fault : spec.faults) {
    last_fault_end_ms =
        std::max(last_fault_end_ms, fault.at_ms + (fault.kind == FaultKind::close ? 0 : fault.duration_ms));
  }
  fleet["scheduled"] = {{"duration_ms", spec.duration_ms},
                        {"settle_ms", spec.settle_ms},
                        {"ramp_end_ms", ramp_end_ms},
                        {"last_fault_end_ms", last_fault_end_ms}};
  if (auto will_figures = wills.finish(); !will_figures.empty()) stats["wills"] = std::move(will_figures);
  if (auto retained_figures = retained.finish(); !retained_figures.empty()) {
    stats["retained"] = std::move(retained_figures);
  }
  std::uint64_t duplicates = 0, lost = 0;
  for (const auto& [cause, count] : duplicates_by_cause) duplicates += count;
  for (const auto& [cause, count] : losses) lost += count;
  stats["messages"] = {{"published", published},
                       {"publish_packets_sent", publish_packets_sent},
                       {"publish_packets_received", publish_packets_received},
                       {"expected_deliveries", expected},
                       {"delivered", delivered},
                       {"lost", lost},
                       {"duplicates", duplicates}};
  stats["losses_by_cause"] = nlohmann::json::object();
  for (const auto& [cause, count] : losses) stats["losses_by_cause"][cause] = count;
  stats["duplicates_by_cause"] = nlohmann::json::object();
  for (const auto& [cause, count] : duplicates_by_cause) stats["duplicates_by_cause"][cause] = count;
  stats["faults_by_kind"] = nlohmann::json::object();
  for (const auto& [kind, count] : faults_by_kind) stats["faults_by_kind"][kind] = count;
  return stats;
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
  return state.pending.size() + state.pending_order.size() + state.settled.size() + words;
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
