#include "simulator/will_stats.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "model/topic.hpp"
#include "simulator/fleet_stats.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

struct SessionWill {
  std::string actor;
  std::string topic;
  Bytes payload;
  double keep_alive_s = 0;
  std::int64_t connect_ns = 0;
  std::int64_t last_sent_ns = 0;
  std::int64_t closed_ns = -1;
  bool accepted = false;
  bool disconnected = false;  // the client sent DISCONNECT: no will is owed
};

struct Copy {
  std::int64_t time_ns = 0;
  std::string actor;
  bool used = false;
};

void count_at(std::vector<double>& series, std::int64_t time_ns) {
  const auto second = static_cast<std::size_t>(std::max<std::int64_t>(0, time_ns) / 1'000'000'000);
  if (series.size() <= second) series.resize(second + 1, 0);
  series[second] += 1;
}

}  // namespace

nlohmann::json compute_will_stats(const history::History& history) {
  std::unordered_map<std::uint32_t, SessionWill> wills;  // connection -> its will
  std::set<std::string> will_topics;
  std::map<std::string, std::vector<Copy>> copies;  // topic + '\0' + payload -> copies received, in time order
  // actor -> (filter, first time it was asked for)
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::int64_t>>> subscriptions;
  for (const Event& event : history.events) {
    auto found = wills.find(event.connection);
    if (event.kind == EventKind::closed && found != wills.end() && found->second.closed_ns < 0) {
      found->second.closed_ns = event.time_ns;
    }
    if (!event.packet) continue;
    if (event.kind == EventKind::sent) {
      if (const auto* connect = std::get_if<Connect>(&*event.packet); connect && connect->will) {
        wills[event.connection] = SessionWill{event.actor, connect->will->topic, connect->will->payload,
                                              static_cast<double>(connect->keep_alive), event.time_ns,
                                              event.time_ns};
        will_topics.insert(connect->will->topic);
        continue;
      }
      if (const auto* subscribe = std::get_if<Subscribe>(&*event.packet)) {
        for (const auto& subscription : subscribe->subscriptions) {
          subscriptions[event.actor].emplace_back(subscription.filter, event.time_ns);
        }
      }
      if (found == wills.end()) continue;
      found->second.last_sent_ns = event.time_ns;
      if (std::holds_alternative<Disconnect>(*event.packet)) found->second.disconnected = true;
    } else if (event.kind == EventKind::received) {
      if (const auto* connack = std::get_if<Connack>(&*event.packet); connack && found != wills.end()) {
        found->second.accepted = connack->reason_code == 0;
      }
      // A retained copy sent to a new subscription is the store speaking, not the will being published.
      const auto* publish = std::get_if<Publish>(&*event.packet);
      if (!publish || publish->retain || !will_topics.contains(publish->topic)) continue;
      const std::string key = publish->topic + '\0' + std::string(publish->payload.begin(), publish->payload.end());
      copies[key].push_back(Copy{event.time_ns, event.actor});
    }
  }
  if (wills.empty()) return nlohmann::json::object();

  std::vector<const SessionWill*> due;
  for (const auto& [connection, will] : wills) {
    if (will.accepted && !will.disconnected && will.closed_ns >= 0) due.push_back(&will);
  }
  std::sort(due.begin(), due.end(), [](const SessionWill* left, const SessionWill* right) {
    return left->closed_ns != right->closed_ns ? left->closed_ns < right->closed_ns : left->actor < right->actor;
  });
  std::uint64_t delivered = 0, late = 0, missing = 0, unobserved = 0;
  std::vector<double> latency_ms, due_per_second, delivered_per_second;
  for (const auto* will : due) {
    count_at(due_per_second, will->closed_ns);
    const std::string key = will->topic + '\0' + std::string(will->payload.begin(), will->payload.end());
    // Each subscriber's first unused copy after the session began is this will's copy for that subscriber.
    std::int64_t first_copy_ns = -1;
    std::set<std::string> served;
    if (auto found = copies.find(key); found != copies.end()) {
      for (auto& copy : found->second) {
        if (copy.used || copy.time_ns < will->connect_ns || served.contains(copy.actor)) continue;
        copy.used = true;
        served.insert(copy.actor);
        if (first_copy_ns < 0) first_copy_ns = copy.time_ns;
      }
    }
    if (first_copy_ns >= 0) {
      ++delivered;
      count_at(delivered_per_second, first_copy_ns);
      latency_ms.push_back(static_cast<double>(std::max<std::int64_t>(0, first_copy_ns - will->closed_ns)) / 1e6);
      const double noticed_ms = std::max(static_cast<double>(will->closed_ns) / 1e6,
                                         static_cast<double>(will->last_sent_ns) / 1e6 + 1500.0 * will->keep_alive_s);
      if (static_cast<double>(first_copy_ns) / 1e6 > noticed_ms + will_grace_ms) ++late;
      continue;
    }
    bool asked = false;
    for (const auto& [actor, filters] : subscriptions) {
      if (actor == will->actor) continue;
      for (const auto& [filter, since_ns] : filters) {
        asked = asked || (since_ns <= will->closed_ns && topic::matches(filter, will->topic));
      }
    }
    ++(asked ? missing : unobserved);
  }
  const std::size_t seconds = std::max(due_per_second.size(), delivered_per_second.size());
  due_per_second.resize(seconds, 0);
  delivered_per_second.resize(seconds, 0);
  return {{"sessions_with_will", wills.size()},
          {"due", due.size()},
          {"delivered", delivered},
          {"late", late},
          {"missing", missing},
          {"unobserved", unobserved},
          {"latency_ms", percentiles(latency_ms)},
          {"due_per_second", due_per_second},
          {"delivered_per_second", delivered_per_second}};
}

}  // namespace mqtt::simulator
