#include "simulator/retained_stats.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "model/topic.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

// A retained value: the payload as text, or nullopt for "nothing stored" (never written, or cleared).
using Value = std::optional<std::string>;

struct Write {
  std::int64_t sent_ns = 0;
  std::int64_t confirmed_ns = -1;  // -1: the broker never confirmed it in this history
  Value value;
  bool rejected = false;  // a 5.0 PUBACK or PUBREC with a reason code of 0x80 or more
  bool awaiting_answer = false;  // QoS 1/2: its PUBACK or PUBREC (which may still reject it) has not come
};

// A topic's writes by the number they were added under (WriteRef::index), and what the checks still need of those
// forgotten (compact()): their values, for telling a stale copy from an unexpected one, and whether one cleared it.
struct TopicWrites {
  std::map<std::size_t, Write> writes;
  std::size_t next = 0;
  std::set<std::string> forgotten_values;
  bool forgotten_clear = false;

  std::size_t add(Write write) {
    writes.emplace(next, std::move(write));
    return next++;
  }
};

struct WriteRef {
  std::string topic;
  std::size_t index = 0;
};

struct PendingWill {
  std::string topic;
  Bytes payload;
  bool retain = false;
  bool accepted = false;
  bool disconnected = false;
};

// One SUBSCRIBE packet: from the moment it was sent, retained copies of a topic its filters match are its
// own, until a later SUBSCRIBE of the same connection matches that topic too.
struct Window {
  std::string actor;
  std::uint32_t connection = 0;
  std::uint16_t packet_id = 0;
  std::int64_t subscribe_ns = 0;
  std::int64_t suback_ns = -1;
  std::vector<std::string> filters{};  // those that expect retained messages (see eligible())
  std::vector<bool> granted{};
  std::map<std::string, std::string> first_copy{};  // topic -> payload of the first retained copy
  bool heard_after_suback = false;
  bool connection_closed = false;  // no copy can come any more: it can be judged once its writes are answered
};

// The checks judged so far, for the summary.
struct Tally {
  std::map<std::string, std::uint64_t> counts = {{"correct", 0}, {"stale", 0}, {"unexpected", 0}, {"missing", 0},
                                                 {"delivered_when_cleared", 0}, {"unjudged", 0}};
  std::uint64_t checks = 0;
  std::uint64_t subscriptions = 0;
  nlohmann::json first_problem;  // of the earliest SUBSCRIBE with a problem
  std::size_t first_problem_window = std::numeric_limits<std::size_t>::max();
};

// Filters for which the broker owes the retained messages on subscribe and whose copies can be told from live
// ones: not shared (no retained messages there), Retain Handling 0 (1 sends them only for a new subscription,
// 2 never), and without Retain As Published (which makes live forwards carry RETAIN=1 too).
bool eligible(const Subscription& subscription) {
  return subscription.retain_handling == 0 && !subscription.retain_as_published &&
         !subscription.filter.starts_with("$share/");
}

std::string text_of(const Bytes& payload) { return std::string(payload.begin(), payload.end()); }

Value value_of(const Bytes& payload) { return payload.empty() ? Value{} : Value{text_of(payload)}; }

std::string describe(const Value& value) { return value ? "\"" + *value + "\"" : "nothing"; }

struct Connection {
  std::unordered_map<std::uint16_t, std::int64_t> requests;  // packet id -> when the request was sent
  std::deque<std::int64_t> pings;                            // PINGREQs not yet answered
  std::unordered_map<std::uint16_t, std::vector<WriteRef>> awaiting_ack;  // QoS 1/2 retained writes
  std::vector<WriteRef> unread;                                           // QoS 0 retained writes
  std::optional<PendingWill> will;
  std::vector<std::size_t> windows;  // indexes into the windows list, in sending order
  std::vector<std::size_t> unheard;  // those of them with a SUBACK and nothing heard since (heard_after_suback)

  // A request's answer proves only that the QoS 0 writes sent before it were read (read_before): with none
  // unread when it is sent, a connection's events coming in time order, it can confirm nothing, and it is not
  // kept (a hash insert and erase per QoS 1 message saved). An older request under the same id goes all the same.
  void request_sent(std::uint16_t packet_id, std::int64_t time_ns) {
    if (!unread.empty()) {
      requests[packet_id] = time_ns;
    } else if (!requests.empty()) {
      requests.erase(packet_id);
    }
  }
};

class RetainedTracker {
 public:
  void add(const Event& event) {
    now_ns_ = event.time_ns;
    // Amortised: a compaction walks the state, once per as many events as the state holds.
    if (++events_since_compaction_ >= std::max<std::size_t>(1024, tracked())) compact();
    auto& connection = connection_of(event.connection);
    if (event.kind == EventKind::closed) {
      closed(connection, event.time_ns);
      // No answer comes on a closed connection: its unanswered writes stay unconfirmed and can no longer be refused.
      for (const auto& [packet_id, refs] : connection.awaiting_ack) {
        for (const auto& ref : refs) writes_[ref.topic].writes.at(ref.index).awaiting_answer = false;
      }
      for (const auto index : connection.windows) {
        auto& window = windows_.at(index);
        window.connection_closed = true;
        if (decided(window)) {
          judge(window, index, tally_);
          windows_.erase(index);
        }
      }
      // Nothing more comes on a closed connection: what it still awaited stays unconfirmed, as it would.
      forget_connection(event.connection);
      return;
    }
    if (!event.packet) return;
    if (event.kind == EventKind::sent) {
      sent(connection, event);
    } else if (event.kind == EventKind::received) {
      received(connection, event);
    }
  }

  nlohmann::json summary() const;

  // Counted as it changes (write_entries_): add() asks for it on every event, and walking the topics then was
  // a cost per event that grew with the topics.
  std::size_t tracked() const { return connections_ + write_entries_ + windows_.size(); }

 private:
  // By number in a flat table (runs number their connections 1, 2, ...): this is looked up for every event, and a
  // hash lookup was most of this statistic's cost per message. A number past flat_connection_limit (a capture,
  // say) goes to the map.
  static constexpr std::uint32_t flat_connection_limit = 1u << 20;
  Connection& connection_of(std::uint32_t number) {
    if (number >= flat_connection_limit) {
      const auto [found, inserted] = other_connections_.try_emplace(number);
      connections_ += inserted ? 1 : 0;
      return found->second;
    }
    if (number >= flat_connections_.size()) flat_connections_.resize(static_cast<std::size_t>(number) + 1);
    auto& slot = flat_connections_[number];
    if (!slot) {
      slot = std::make_unique<Connection>();
      ++connections_;
    }
    return *slot;
  }
  void forget_connection(std::uint32_t number) {
    const bool held = number >= flat_connection_limit ? other_connections_.erase(number) > 0
                                                      : std::exchange(flat_connections_[number], nullptr) != nullptr;
    connections_ -= held ? 1 : 0;
  }

  void closed(Connection& connection, std::int64_t time_ns) {
    if (!connection.will) return;
    const PendingWill will = *std::exchange(connection.will, std::nullopt);
    if (!will.retain || !will.accepted || will.disconnected) return;
    // The broker publishes the will some time after the session ends; it counts as written from then on and
    // as confirmed when a subscriber sees a copy.
    const auto index = writes_[will.topic].add(Write{time_ns, -1, value_of(will.payload)});
    ++write_entries_;
    wills_awaiting_copy_[will.topic].emplace_back(index, will.payload);
  }

  void sent(Connection& connection, const Event& event) {
    const Packet& packet = *event.packet;
    if (const auto* connect = std::get_if<Connect>(&packet)) {
      if (connect->will)
        connection.will = PendingWill{connect->will->topic, connect->will->payload, connect->will->retain};
    } else if (std::holds_alternative<Disconnect>(packet)) {
      if (connection.will) connection.will->disconnected = true;
    } else if (const auto* publish = std::get_if<Publish>(&packet)) {
      if (publish->packet_id) connection.request_sent(*publish->packet_id, event.time_ns);
      // A 5.0 PUBLISH that names its topic only by an alias is not tracked (the fleet's retained statuses
      // never do).
      if (!publish->retain || publish->topic.empty()) return;
      Write write{event.time_ns, -1, value_of(publish->payload)};
      write.awaiting_answer = publish->packet_id.has_value();
      const WriteRef ref{publish->topic, writes_[publish->topic].add(std::move(write))};
      ++write_entries_;
      if (publish->packet_id) {
        connection.awaiting_ack[*publish->packet_id].push_back(ref);
      } else {
        connection.unread.push_back(ref);
      }
    } else if (const auto* pubrel = std::get_if<Pubrel>(&packet)) {
      connection.request_sent(pubrel->packet_id, event.time_ns);
    } else if (const auto* unsubscribe = std::get_if<Unsubscribe>(&packet)) {
      connection.request_sent(unsubscribe->packet_id, event.time_ns);
    } else if (std::holds_alternative<Pingreq>(packet)) {
      connection.pings.push_back(event.time_ns);
    } else if (const auto* subscribe = std::get_if<Subscribe>(&packet)) {
      connection.request_sent(subscribe->packet_id, event.time_ns);
      Window window{event.actor, event.connection, subscribe->packet_id, event.time_ns};
      for (const auto& subscription : subscribe->subscriptions) {
        window.filters.push_back(eligible(subscription) ? subscription.filter : std::string());
      }
      connection.windows.push_back(next_window_);
      windows_.emplace(next_window_++, std::move(window));
    }
  }

  void received(Connection& connection, const Event& event) {
    const Packet& packet = *event.packet;
    for (const auto index : connection.unheard) windows_.at(index).heard_after_suback = true;
    connection.unheard.clear();
    if (const auto* connack = std::get_if<Connack>(&packet)) {
      if (connection.will) connection.will->accepted = connack->reason_code == 0;
    } else if (const auto* puback = std::get_if<Puback>(&packet)) {
      acknowledged(connection, puback->packet_id, puback->reason_code, event.time_ns);
    } else if (const auto* pubrec = std::get_if<Pubrec>(&packet)) {
      acknowledged(connection, pubrec->packet_id, pubrec->reason_code, event.time_ns);
    } else if (const auto* pubcomp = std::get_if<Pubcomp>(&packet)) {
      answered(connection, pubcomp->packet_id, event.time_ns);
    } else if (const auto* unsuback = std::get_if<Unsuback>(&packet)) {
      answered(connection, unsuback->packet_id, event.time_ns);
    } else if (std::holds_alternative<Pingresp>(packet)) {
      if (!connection.pings.empty()) {
        read_before(connection, connection.pings.front(), event.time_ns);
        connection.pings.pop_front();
      }
    } else if (const auto* suback = std::get_if<Suback>(&packet)) {
      answered(connection, suback->packet_id, event.time_ns);
      for (auto it = connection.windows.rbegin(); it != connection.windows.rend(); ++it) {
        auto& window = windows_.at(*it);
        if (window.packet_id != suback->packet_id || window.suback_ns >= 0) continue;
        window.suback_ns = event.time_ns;
        connection.unheard.push_back(*it);
        for (std::size_t i = 0; i < window.filters.size(); ++i) {
          window.granted.push_back(i < suback->reason_codes.size() && suback->reason_codes[i] < 0x80);
        }
        break;
      }
    } else if (const auto* publish = std::get_if<Publish>(&packet)) {
      if (publish->topic.empty()) return;
      if (publish->retain) {
        retained_copy(connection, *publish);
      } else {
        will_copy(*publish, event.time_ns);
      }
    }
  }

  void acknowledged(Connection& connection, std::uint16_t packet_id, std::uint8_t reason_code,
                    std::int64_t time_ns) {
    // Both maps are nearly always empty (no retained QoS 1/2 write, no QoS 0 one unread): no hash then.
    if (auto found = connection.awaiting_ack.empty() ? connection.awaiting_ack.end()
                                                       : connection.awaiting_ack.find(packet_id);
        found != connection.awaiting_ack.end()) {
      for (const auto& ref : found->second) {
        auto& write = writes_[ref.topic].writes.at(ref.index);
        write.awaiting_answer = false;
        if (reason_code >= 0x80) {
          write.rejected = true;
        } else if (write.confirmed_ns < 0) {
          write.confirmed_ns = time_ns;
        }
      }
      connection.awaiting_ack.erase(found);
    }
    answered(connection, packet_id, time_ns);
  }

  // An answer to a request proves the broker read everything sent before that request, QoS 0 writes included.
  void answered(Connection& connection, std::uint16_t packet_id, std::int64_t time_ns) {
    if (connection.requests.empty()) return;
    const auto found = connection.requests.find(packet_id);
    if (found == connection.requests.end()) return;
    read_before(connection, found->second, time_ns);
    connection.requests.erase(found);
  }

  void read_before(Connection& connection, std::int64_t request_ns, std::int64_t time_ns) {
    std::erase_if(connection.unread, [&](const WriteRef& ref) {
      auto& write = writes_[ref.topic].writes.at(ref.index);
      if (write.sent_ns >= request_ns) return false;
      write.confirmed_ns = time_ns;
      return true;
    });
  }

  void retained_copy(Connection& connection, const Publish& publish) {
    for (auto it = connection.windows.rbegin(); it != connection.windows.rend(); ++it) {
      auto& window = windows_.at(*it);
      bool matched = false;
      for (const auto& filter : window.filters)
        matched = matched || (!filter.empty() && topic::matches(filter, publish.topic));
      if (!matched) continue;
      window.first_copy.emplace(publish.topic, text_of(publish.payload));
      return;
    }
  }

  void will_copy(const Publish& publish, std::int64_t time_ns) {
    if (wills_awaiting_copy_.empty()) return;  // the usual case: no topic hash for every copy received
    const auto found = wills_awaiting_copy_.find(publish.topic);
    if (found == wills_awaiting_copy_.end()) return;
    auto& writes = writes_[publish.topic].writes;
    std::erase_if(found->second, [&](const std::pair<std::size_t, Bytes>& will) {
      auto& write = writes.at(will.first);
      if (write.sent_ns > time_ns || will.second != publish.payload) return false;
      write.confirmed_ns = time_ns;
      return true;
    });
  }

  // The topics a window's checks read: those its granted filters match.
  std::set<std::string> topics_of(const Window& window) const {
    std::set<std::string> topics_checked;
    for (std::size_t i = 0; i < window.filters.size(); ++i) {
      const auto& filter = window.filters[i];
      if (filter.empty() || !window.granted[i]) continue;
      if (!topic::has_wildcard(filter)) {
        if (writes_.contains(filter)) topics_checked.insert(filter);
        continue;
      }
      for (const auto& [topic, writes] : writes_) {
        if (topic::matches(filter, topic)) topics_checked.insert(topic);
      }
    }
    return topics_checked;
  }

  // A window whose connection closed is judged for good once no write it reads can still be refused (a 5.0
  // PUBACK or PUBREC with a reason code of 0x80 or more takes a write back).
  bool decided(const Window& window) const {
    if (!window.connection_closed) return false;
    if (window.suback_ns < 0) return true;
    for (const auto& topic : topics_of(window)) {
      for (const auto& [index, write] : writes_.at(topic).writes) {
        if (write.awaiting_answer && write.sent_ns <= window.suback_ns) return false;
      }
    }
    return true;
  }

  void judge(const Window& window, std::size_t index, Tally& tally) const;

  // Keeps the statistic bounded by topics, devices and SUBSCRIBEs in flight rather than by reconnects (each
  // writes a status and subscribes again): windows of closed connections whose writes are answered are judged
  // and dropped, and a write no later SUBSCRIBE can get goes, leaving its value. No window still to be judged
  // subscribed before `horizon`; a write confirmed before another write, itself confirmed by then, was sent, is
  // never a right value for them (check() below), and that later write stays to say so.
  void compact() {
    events_since_compaction_ = 0;
    std::int64_t horizon = now_ns_;
    for (auto it = windows_.begin(); it != windows_.end();) {
      if (decided(it->second)) {
        judge(it->second, it->first, tally_);
        it = windows_.erase(it);
        continue;
      }
      horizon = std::min(horizon, it->second.subscribe_ns);
      ++it;
    }
    for (auto& [topic, list] : writes_) {
      std::int64_t latest_start_ns = -1;
      for (const auto& [index, write] : list.writes) {
        if (!write.rejected && write.confirmed_ns >= 0 && write.confirmed_ns <= horizon) {
          latest_start_ns = std::max(latest_start_ns, write.sent_ns);
        }
      }
      std::erase_if(list.writes, [&](const auto& entry) {
        const auto& write = entry.second;
        if (write.awaiting_answer) return false;
        if (write.rejected) return true;
        if (write.confirmed_ns < 0 || write.confirmed_ns >= latest_start_ns) return false;
        if (write.value) {
          list.forgotten_values.insert(*write.value);
        } else {
          list.forgotten_clear = true;
        }
        return true;
      });
    }
    write_entries_ = 0;
    for (const auto& [topic, list] : writes_) write_entries_ += list.writes.size() + list.forgotten_values.size();
  }

  std::vector<std::unique_ptr<Connection>> flat_connections_;
  std::unordered_map<std::uint32_t, Connection> other_connections_;
  std::size_t connections_ = 0;  // held in either
  std::map<std::string, TopicWrites> writes_;  // topic -> writes, in the order they were sent
  // topic -> the retained wills on it no subscriber has seen yet: (index into writes_[topic], payload)
  std::unordered_map<std::string, std::vector<std::pair<std::size_t, Bytes>>> wills_awaiting_copy_;
  std::map<std::size_t, Window> windows_;  // SUBSCRIBEs not yet judged, by the order they were sent
  std::size_t next_window_ = 0;
  std::size_t write_entries_ = 0;  // writes and forgotten values held, over all topics
  Tally tally_;
  std::int64_t now_ns_ = 0;
  std::size_t events_since_compaction_ = 0;
};

void RetainedTracker::judge(const Window& window, std::size_t index, Tally& tally) const {
  if (window.suback_ns < 0) return;
  const auto check = [&](const std::string& topic, const TopicWrites& list) {
    // A write happened somewhere between its sending and its confirmation. Any write sent before the SUBACK
    // came may be the stored one, unless it was confirmed before another write, itself confirmed before the
    // SUBSCRIBE left, was even sent: then that one overwrote it for sure (and compact() may have let it go).
    const auto& writes = list.writes;
    bool any_sent = false;
    std::int64_t latest_start_ns = -1;  // of the writes surely done before the SUBSCRIBE; -1: none
    for (const auto& [number, write] : writes) {
      if (write.rejected) continue;
      any_sent = any_sent || write.sent_ns <= window.suback_ns;
      if (write.confirmed_ns >= 0 && write.confirmed_ns <= window.subscribe_ns) {
        latest_start_ns = std::max(latest_start_ns, write.sent_ns);
      }
    }
    if (!any_sent) return false;
    std::set<Value> right;
    if (latest_start_ns < 0) right.insert(Value{});  // nothing may have been stored yet
    for (const auto& [number, write] : writes) {
      if (write.rejected || write.sent_ns > window.suback_ns) continue;
      if (write.confirmed_ns < 0 || write.confirmed_ns >= latest_start_ns) right.insert(write.value);
    }
    std::string kind;
    const auto copy = window.first_copy.find(topic);
    if (copy != window.first_copy.end()) {
      const bool ever_written =
          list.forgotten_values.contains(copy->second) ||
          std::any_of(writes.begin(), writes.end(), [&](const auto& entry) {
            const auto& write = entry.second;
            return !write.rejected && write.sent_ns <= window.suback_ns && write.value == copy->second;
          });
      const bool cleared = list.forgotten_clear || std::any_of(writes.begin(), writes.end(), [&](const auto& entry) {
                             const auto& write = entry.second;
                             return !write.rejected && write.sent_ns <= window.suback_ns && !write.value;
                           });
      kind = right.contains(copy->second)         ? "correct"
             : right.contains(Value{}) && cleared ? "delivered_when_cleared"
             : ever_written                       ? "stale"
                                                  : "unexpected";
    } else {
      kind = right.contains(Value{}) ? "correct" : window.heard_after_suback ? "missing" : "unjudged";
    }
    ++tally.counts[kind];
    ++tally.checks;
    if (kind != "correct" && kind != "unjudged" && index < tally.first_problem_window) {
      std::string expected;
      for (const auto& value : right) expected += (expected.empty() ? "" : " or ") + describe(value);
      tally.first_problem_window = index;
      tally.first_problem = {{"kind", kind},
                             {"actor", window.actor},
                             {"topic", topic},
                             {"at_s", std::round(static_cast<double>(window.subscribe_ns) / 1e6) / 1e3},
                             {"got", copy != window.first_copy.end() ? describe(copy->second) : "nothing"},
                             {"expected", expected}};
    }
    return true;
  };
  bool counted = false;
  for (const auto& topic : topics_of(window)) counted = check(topic, writes_.at(topic)) || counted;
  tally.subscriptions += counted;
}

nlohmann::json RetainedTracker::summary() const {
  std::size_t topics = 0;
  for (const auto& [topic, list] : writes_) {
    topics += !list.forgotten_values.empty() || list.forgotten_clear ||
              std::any_of(list.writes.begin(), list.writes.end(),
                          [](const auto& entry) { return !entry.second.rejected; });
  }
  if (topics == 0) return nlohmann::json::object();
  auto tally = tally_;
  for (const auto& [index, window] : windows_) judge(window, index, tally);
  nlohmann::json result = {{"topics", topics}, {"subscriptions", tally.subscriptions}, {"checks", tally.checks}};
  for (const auto& [kind, count] : tally.counts) result[kind] = count;
  if (!tally.first_problem.is_null()) result["first_problem"] = tally.first_problem;
  return result;
}

}  // namespace

struct RetainedStatistics::State {
  RetainedTracker tracker;
};

RetainedStatistics::RetainedStatistics() : state_(std::make_unique<State>()) {}
RetainedStatistics::RetainedStatistics(RetainedStatistics&&) noexcept = default;
RetainedStatistics& RetainedStatistics::operator=(RetainedStatistics&&) noexcept = default;
RetainedStatistics::~RetainedStatistics() = default;

void RetainedStatistics::observe(const history::Event& event) { state_->tracker.add(event); }

nlohmann::json RetainedStatistics::finish() const { return state_->tracker.summary(); }

std::size_t RetainedStatistics::tracked() const { return state_->tracker.tracked(); }

nlohmann::json compute_retained_stats(const history::History& history) {
  RetainedStatistics statistics;
  for (const Event& event : history.events) statistics.observe(event);
  return statistics.finish();
}

}  // namespace mqtt::simulator
