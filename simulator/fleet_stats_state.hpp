// The inside of FleetStatistics (fleet_stats.hpp), shared by the files that implement it: fleet_stats.cpp
// (the event dispatch, connections and subscriptions), fleet_messages.cpp (each message from its sending to
// its last copy, loss or duplicate) and fleet_stats_summary.cpp (the figures as JSON). Not for other users.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "simulator/connect_outcomes.hpp"
#include "simulator/fleet_stats.hpp"
#include "simulator/latency_histogram.hpp"
#include "simulator/per_second_series.hpp"
#include "simulator/retained_stats.hpp"
#include "simulator/seen_numbers.hpp"
#include "simulator/will_stats.hpp"

namespace mqtt::simulator {
namespace detail {

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
  ActorId publisher = 0;  // the client named in the token, with the message's number, when it has one
  std::uint64_t number = 0;
  bool numbered = false;
};

inline std::uint64_t pair_key(ActorId receiver, ActorId publisher) {
  return (static_cast<std::uint64_t>(receiver) << 32) | publisher;
}

struct Subscriber {
  std::map<std::string, QoS, std::less<>>
      filters;  // requested, from SUBSCRIBE packets sent; highest QoS asked
};

// Messages and copies are remembered by 64-bit hashes (a collision among the few hundred thousand held at
// once is about 1 in 10^8): the token's for the message, mixed with the receiver for a copy.
inline std::uint64_t mixed(std::uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  return value ^ (value >> 33);
}

inline std::uint64_t copy_mark(std::uint64_t token_hash, ActorId receiver) {
  return mixed(token_hash ^ mixed(static_cast<std::uint64_t>(receiver) + 1));
}

inline std::uint64_t sent_mark(std::uint64_t token_hash) { return mixed(token_hash); }

constexpr std::size_t topic_cache_limit = 100'000;

// Slots of the per-connection memo table (ConnectionMemo), a power of two: a connection takes slot number mod
// slots, and a connection numbered apart by a multiple of it takes the slot over. Fixed, so the table stays
// about 1 MB however many connections a run opens; a fleet's open connections have nearby numbers.
constexpr std::size_t memo_slots = std::size_t{1} << 14;
// Finished messages whose map node (and slot vector) is kept for the next one: no allocation per message.
constexpr std::size_t spare_message_limit = 256;
constexpr ActorId no_actor = UINT32_MAX;

}  // namespace detail

struct FleetStatistics::State {
  using ActorId = detail::ActorId;
  using Slot = detail::Slot;
  using Pending = detail::Pending;
  using Subscriber = detail::Subscriber;
  using Event = history::Event;

  State(const FleetSpec& fleet_spec, const FleetStatisticsLimits& fleet_limits)
      : spec(fleet_spec), limits(fleet_limits), timeline(fleet_spec, fleet_limits.timeline_points) {}

  FleetSpec spec;
  FleetStatisticsLimits limits;
  std::int64_t last_time_ns = 0;
  bool any_event = false;

  // Devices and connections.
  // Looked up by string_view (heterogeneous lookup): a numbered token's publisher is looked up once per
  // message without building a string for it.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  std::unordered_map<std::string, ActorId, NameHash, std::equal_to<>> actor_ids;
  std::vector<std::string> actor_names;
  std::vector<std::uint64_t> opens;   // per actor: connections opened
  std::vector<std::uint32_t> online;  // per actor: connections open now
  // What a connection's events looked up last, so that the next event of the same connection compares names
  // instead of hashing them: its actor, the publisher named in the tokens it sent, and the subscribers its
  // topic reaches (valid while reach_generation is unchanged). Each is checked against the event, never
  // trusted.
  struct ConnectionMemo {
    std::uint32_t connection = 0;  // whose memo this slot holds
    ActorId actor = detail::no_actor;
    ActorId token_publisher = detail::no_actor;
    std::string topic;
    std::uint64_t reach_generation = 0;
    const std::vector<std::pair<ActorId, QoS>>* reach = nullptr;
  };
  std::vector<ConnectionMemo> memos;                            // at most detail::memo_slots
  std::unordered_map<std::uint32_t, ActorId> open_connections;  // connection -> actor, while open
  std::unordered_map<std::uint32_t, std::int64_t>
      connect_sent;                                        // connection -> CONNECT time, until its CONNACK
  std::unordered_set<std::uint32_t> accepted_connections;  // a CONNACK accepted the session, still open
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
  PendingMap pending;  // token hash -> message awaited by a subscriber
  std::vector<PendingMap::node_type>
      spare_messages;    // extracted nodes kept for reuse (detail::spare_message_limit)
  Pending next_message;  // the message being sent, built here so its slot vector keeps its capacity
  // (sent time, token hash), in sending order
  std::deque<std::pair<std::int64_t, std::uint64_t>> pending_order;
  // Whether pending_order's front is a message still awaited (expire() found it so and it was not forgotten
  // since): expire() then needs no lookup until the front's window ends.
  bool front_awaited = false;
  // What was sent and which copies came, once the message itself is forgotten: for numbered tokens per
  // publisher and per (receiver, publisher) pair; for any other token by hash for a settle window.
  std::vector<SeenNumbers> sent_numbers;                        // per actor (as publisher)
  std::unordered_map<std::uint64_t, SeenNumbers> copy_numbers;  // pair_key -> numbers a receiver got
  std::unordered_set<std::uint64_t> settled;                    // sent_mark and copy_mark of settled messages
  std::deque<std::pair<std::int64_t, std::uint64_t>> settled_order;  // (forget time, mark)
  // 5.0 QoS 1/2 PUBLISHes not yet acknowledged, per connection: (packet id, token hash, whether that sending
  // counted as a new message), so that a PUBACK or PUBREC with a reason code of 0x80 or more names the message
  // the broker refused. A 3.x acknowledgement cannot refuse: 3.x PUBLISHes are not recorded.
  struct Unacknowledged {
    std::uint16_t packet_id = 0;
    std::uint64_t token_hash = 0;
    bool fresh = false;
  };
  std::unordered_map<std::uint32_t, std::vector<Unacknowledged>> unacknowledged;
  std::uint64_t published = 0, expected = 0, delivered = 0;
  std::uint64_t refused_messages = 0;  // counted in published, never in expected or lost
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

  // Inline for the usual case, the connection's own memo; the rest in new_memo().
  ConnectionMemo& memo_of(std::uint32_t connection) {
    const std::size_t slot = connection & (detail::memo_slots - 1);
    if (slot < memos.size() && memos[slot].connection == connection) [[likely]]
      return memos[slot];
    return new_memo(connection);
  }
  ConnectionMemo& new_memo(std::uint32_t connection);

  // actor_of(event.actor), remembered per connection.
  ActorId actor_of_event(const Event& event) {
    ConnectionMemo& memo = memo_of(event.connection);
    if (memo.actor != detail::no_actor && actor_names[memo.actor] == event.actor) return memo.actor;
    return memo.actor = actor_of(event.actor);
  }

  // actor_of(name) for the publisher named in a token the memo's connection sent: nearly always the same one.
  ActorId token_publisher_of(ConnectionMemo& memo, std::string_view name) {
    if (memo.token_publisher != detail::no_actor && actor_names[memo.token_publisher] == name)
      return memo.token_publisher;
    return memo.token_publisher = actor_of(name);
  }

  // reach_of(topic), remembered per connection (the memo's) until a subscription changes.
  const std::vector<std::pair<ActorId, QoS>>& reach_of_connection(ConnectionMemo& memo,
                                                                  const std::string& topic_name) {
    if (memo.reach && memo.reach_generation == reach_generation && memo.topic == topic_name)
      return *memo.reach;
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
    if (front_awaited && found->first == pending_order.front().second) front_awaited = false;
    if (spare_messages.size() < detail::spare_message_limit) {
      spare_messages.push_back(pending.extract(found));
    } else {
      pending.erase(found);
    }
  }

  void remember(std::uint64_t mark, std::int64_t now_ns) {
    if (settled.insert(mark).second) settled_order.emplace_back(now_ns + limits.settle_window_ns, mark);
  }

  // The cause of a missing copy, judged at `now_ns` (the end of the history, or the end of the window).
  std::string loss_cause(const Pending& message, const Slot& slot,
                         const std::unordered_set<std::uint32_t>& faulted,
                         const std::unordered_set<ActorId>& faulted_receivers) const;

  void count_losses(const Pending& message, std::map<std::string, std::uint64_t>& causes,
                    PerSecondSeries& series) const;

  void settle(std::uint64_t token_hash, const Pending& message, std::int64_t now_ns);

  // Messages older than the window are judged now; marks older than the window are forgotten.
  void expire(std::int64_t now_ns);

  const std::vector<std::pair<ActorId, QoS>>& reach_of(const std::string& topic_name);

  void subscribed(const Event& event, const Subscribe& subscribe);

  void message_sent(const Event& event, const Publish& publish, const MessageToken& token);

  void message_received(const Event& event, const Publish& publish, const MessageToken& token);

  // A 5.0 PUBLISH sent with a packet id (published_before: `published` before message_sent saw it), and its
  // PUBACK or PUBREC.
  void request_sent(const Event& event, const Publish& publish, const MessageToken& token,
                    std::uint64_t published_before);
  void request_acknowledged(const Event& event, std::uint16_t packet_id, std::uint8_t reason_code);
  // The broker refused the message: it is owed to nobody, so its awaited copies are no longer expected (nor lost).
  void message_refused(std::uint64_t token_hash, bool fresh, std::int64_t now_ns);

  void observe(const Event& event);
  nlohmann::json finish() const;
};

}  // namespace mqtt::simulator
