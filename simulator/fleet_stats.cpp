#include "simulator/fleet_stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "model/topic.hpp"
#include "simulator/connect_outcomes.hpp"
#include "simulator/per_second_series.hpp"
#include "simulator/retained_stats.hpp"
#include "simulator/will_stats.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

struct Sent {
  std::int64_t time_ns = 0;
  std::string actor;
  std::string topic;
  QoS qos = QoS::at_most_once;
  std::uint32_t connection = 0;
};

struct Subscriber {
  std::vector<std::pair<std::string, QoS>> filters;  // requested, from SUBSCRIBE packets sent
  std::int64_t first_subscribed_ns = -1;
};

double nearest_rank(const std::vector<double>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

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

nlohmann::json compute_fleet_stats(const history::History& history, const FleetSpec& spec) {
  std::unordered_map<std::uint32_t, std::int64_t> connect_sent;  // connection -> CONNECT time
  std::vector<double> connect_latency_ms;
  std::unordered_map<std::string, std::uint64_t> opens_by_actor;
  std::uint64_t open_failures = 0, refused = 0, faults = 0;
  std::map<std::string, std::uint64_t> faults_by_kind;
  std::unordered_map<std::string, Sent> sent;  // token -> first send
  std::unordered_set<std::uint32_t> faulted_connections;
  std::unordered_set<std::string> faulted_actors;
  std::unordered_map<std::string, Subscriber> subscribers;
  // When each actor was connected: [open, close) per connection (close = end of history while open).
  std::unordered_map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> online;
  std::unordered_map<std::uint32_t, std::pair<std::string, std::size_t>> open_interval;  // connection -> slot
  const std::int64_t history_end = history.events.empty() ? 0 : history.events.back().time_ns;
  std::vector<double> delivery_ms[3];
  std::unordered_map<std::string, std::uint32_t> received;  // actor + " " + token -> copies
  std::map<std::string, std::uint64_t> duplicates_by_cause;
  PerSecondSeries timeline;
  std::unordered_set<std::uint32_t> accepted_connections;  // a CONNACK accepted the session: counted as connected
  // Every PUBLISH a client sent or received: statuses and wills too, not only tokened messages.
  std::uint64_t publish_packets_sent = 0, publish_packets_received = 0;

  for (const Event& event : history.events) {
    switch (event.kind) {
      case EventKind::open: {
        if (++opens_by_actor[event.actor] > 1) timeline.reconnected(event.time_ns);
        auto& intervals = online[event.actor];
        intervals.emplace_back(event.time_ns, history_end + 1);
        open_interval[event.connection] = {event.actor, intervals.size() - 1};
        break;
      }
      case EventKind::closed: {
        if (accepted_connections.erase(event.connection) > 0) timeline.disconnected(event.time_ns);
        auto found = open_interval.find(event.connection);
        if (found != open_interval.end()) {
          online[found->second.first][found->second.second].second = event.time_ns;
          open_interval.erase(found);
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
        faulted_actors.insert(event.actor);
        break;
      case EventKind::sent: {
        if (!event.packet) break;
        if (std::holds_alternative<Connect>(*event.packet)) connect_sent[event.connection] = event.time_ns;
        if (const auto* subscribe = std::get_if<Subscribe>(&*event.packet)) {
          auto& subscriber = subscribers[event.actor];
          if (subscriber.first_subscribed_ns < 0) subscriber.first_subscribed_ns = event.time_ns;
          for (const auto& subscription : subscribe->subscriptions) {
            subscriber.filters.emplace_back(subscription.filter, subscription.qos);
          }
        }
        if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
          ++publish_packets_sent;
          const auto token = token_of(publish->payload);
          if (token.empty()) break;
          timeline.published(event.time_ns);
          sent.try_emplace(std::string(token),
                           Sent{event.time_ns, event.actor, publish->topic, publish->qos, event.connection});
        }
        break;
      }
      case EventKind::received: {
        if (!event.packet) break;
        if (const auto* connack = std::get_if<Connack>(&*event.packet)) {
          auto found = connect_sent.find(event.connection);
          if (found != connect_sent.end()) {
            connect_latency_ms.push_back(static_cast<double>(event.time_ns - found->second) / 1e6);
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
          if (token.empty()) break;
          auto& copies = received[event.actor + " " + std::string(token)];
          ++copies;
          if (copies > 1) {
            const std::string cause = publish->dup ? "redelivery-with-dup-flag"
                                                   : "qos" + std::to_string(static_cast<int>(publish->qos)) +
                                                         "-copy-without-dup-flag";
            ++duplicates_by_cause[cause];
            timeline.duplicate(event.time_ns);
            break;
          }
          auto origin = sent.find(std::string(token));
          if (origin != sent.end()) {
            const double latency_ms = static_cast<double>(event.time_ns - origin->second.time_ns) / 1e6;
            delivery_ms[static_cast<int>(publish->qos)].push_back(latency_ms);
            timeline.delivered(event.time_ns, publish->qos, latency_ms);
          } else {
            timeline.delivered(event.time_ns, publish->qos, 0);
          }
        }
        break;
      }
      default:
        break;
    }
  }

  const auto connected_at = [&](const std::string& actor, std::int64_t time) {
    auto found = online.find(actor);
    if (found == online.end()) return false;
    for (const auto& [from, to] : found->second) {
      if (from <= time && time < to) return true;
    }
    return false;
  };
  // Losses: a subscriber that had asked for the topic before it was published never got the message.
  std::map<std::string, std::uint64_t> losses_by_cause;
  std::uint64_t expected = 0;
  for (const auto& [token, message] : sent) {
    for (const auto& [actor, subscriber] : subscribers) {
      if (subscriber.first_subscribed_ns < 0 || subscriber.first_subscribed_ns > message.time_ns) continue;
      std::optional<QoS> granted;
      for (const auto& [filter, qos] : subscriber.filters) {
        if (topic::matches(filter, message.topic))
          granted = std::max(granted.value_or(QoS::at_most_once), qos);
      }
      if (!granted) continue;
      ++expected;
      if (received.count(actor + " " + token) > 0) continue;
      const QoS effective = std::min(*granted, message.qos);
      std::string cause;
      if (effective == QoS::at_most_once) {
        cause = "qos0-not-delivered";
      } else if (faulted_connections.count(message.connection) > 0) {
        cause = "publisher-connection-faulted";
      } else if (faulted_actors.count(actor) > 0) {
        cause = "subscriber-faulted";
      } else if (!connected_at(actor, message.time_ns)) {
        cause = "subscriber-offline";
      } else if (!connected_at(actor, history_end)) {
        cause = "subscriber-left-before-delivery";
      } else {
        cause = "no-fault-recorded";
      }
      ++losses_by_cause[cause];
      timeline.lost(message.time_ns);
    }
  }

  nlohmann::json stats;
  std::uint64_t connections = 0, reconnects = 0;
  for (const auto& [actor, opens] : opens_by_actor) {
    connections += opens;
    reconnects += opens - 1;
  }
  stats["fleet"] = {{"scenario", spec.name},      {"connections", connections},
                    {"reconnects", reconnects},   {"open_failures", open_failures},
                    {"connack_refused", refused}, {"faults_recorded", faults}};
  // Which connection attempts the broker took up: refused, unanswered and failed reconnects are no test of it.
  const auto outcomes = connect_outcomes(history);
  auto& fleet = stats["fleet"];
  fleet["connects_sent"] = outcomes.connects_sent;
  fleet["connack_accepted"] = outcomes.accepted;
  fleet["connack_refused_codes"] = nlohmann::json::object();
  for (const auto& [code, count] : outcomes.refused) fleet["connack_refused_codes"][std::to_string(code)] = count;
  fleet["connack_refused_version"] = std::string(to_string(outcomes.refused_version));
  fleet["connects_unanswered"] = outcomes.unanswered;
  fleet["reconnects_unanswered"] = outcomes.reconnects_unanswered;
  std::uint64_t ending_unconnected = 0;
  for (const auto& actor : outcomes.last_attempt_failed) ending_unconnected += outcomes.accepted_actors.count(actor);
  fleet["clients_ending_unconnected"] = ending_unconnected;
  stats["connect_latency_ms"] = percentiles(connect_latency_ms);
  for (int qos = 0; qos < 3; ++qos) {
    stats["delivery_latency_ms"]["qos" + std::to_string(qos)] = percentiles(delivery_ms[qos]);
  }
  stats["timeline"] = timeline.to_json(history_end, spec);
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
  if (auto wills = compute_will_stats(history); !wills.empty()) stats["wills"] = std::move(wills);
  if (auto retained = compute_retained_stats(history); !retained.empty()) {
    stats["retained"] = std::move(retained);
  }
  std::uint64_t duplicates = 0, losses = 0, delivered = 0;
  for (const auto& [cause, count] : duplicates_by_cause) duplicates += count;
  for (const auto& [cause, count] : losses_by_cause) losses += count;
  for (const auto& [key, copies] : received) delivered += copies;
  stats["messages"] = {{"published", sent.size()},
                       {"publish_packets_sent", publish_packets_sent},
                       {"publish_packets_received", publish_packets_received},
                       {"expected_deliveries", expected},
                       {"delivered", delivered},
                       {"lost", losses},
                       {"duplicates", duplicates}};
  stats["losses_by_cause"] = nlohmann::json::object();
  for (const auto& [cause, count] : losses_by_cause) stats["losses_by_cause"][cause] = count;
  stats["duplicates_by_cause"] = nlohmann::json::object();
  for (const auto& [cause, count] : duplicates_by_cause) stats["duplicates_by_cause"][cause] = count;
  stats["faults_by_kind"] = nlohmann::json::object();
  for (const auto& [kind, count] : faults_by_kind) stats["faults_by_kind"][kind] = count;
  return stats;
}

}  // namespace mqtt::simulator
