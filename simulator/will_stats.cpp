#include "simulator/will_stats.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "model/topic.hpp"
#include "simulator/fleet_stats.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

// How the run records a broker restart (simulator/broker_restart.cpp, read the same way by the checker in
// harness/model/connection_lifecycle.hpp): a fault of connection 0 before the broker stops, and a note when the
// restart was skipped after all.
constexpr std::string_view broker_restart_fault = "broker-restart";
constexpr std::string_view broker_restart_skipped_note = "broker-restart skipped";

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
  // The broker-restart fault (event sequence) that ended this session: a broker that stops need not publish the
  // wills of the connections it ends (harness/model/will.cpp), so the will is allowed and not owed; 0 for none.
  std::uint64_t cut_by_restart = 0;
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

struct WillStatistics::State {
  std::unordered_map<std::uint32_t, SessionWill> open;  // connection -> its will, until the session's end is known
  std::vector<SessionWill> ended;  // sessions that ended owing a will, or ended by a broker restart
  std::uint64_t sessions_with_will = 0;
  std::uint64_t last_broker_restart = 0;  // the latest broker-restart fault's sequence
  std::set<std::string> will_topics;
  std::map<std::string, std::vector<Copy>> copies;  // topic + '\0' + payload -> copies received, in time order
  // actor -> (filter, first time it was asked for)
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::int64_t>>> subscriptions;
};

WillStatistics::WillStatistics() : state_(std::make_unique<State>()) {}
WillStatistics::WillStatistics(WillStatistics&&) noexcept = default;
WillStatistics& WillStatistics::operator=(WillStatistics&&) noexcept = default;
WillStatistics::~WillStatistics() = default;

std::size_t WillStatistics::tracked() const {
  std::size_t copies = 0;
  for (const auto& [key, list] : state_->copies) copies += list.size();
  return state_->open.size() + state_->ended.size() + copies + state_->subscriptions.size();
}

void WillStatistics::observe(const Event& event) {
  auto& wills = state_->open;
  // As the model reads the runner's record of a restart (model/connection_lifecycle.hpp): the fault marks the
  // sessions open then; a note that the restart was skipped after all takes the mark back.
  if (event.connection == 0 && event.kind == EventKind::fault && event.fault == broker_restart_fault) {
    for (auto& [connection, will] : wills) will.cut_by_restart = event.sequence;
    state_->last_broker_restart = event.sequence;
    return;
  }
  if (event.connection == 0 && event.kind == EventKind::note &&
      event.detail.starts_with(broker_restart_skipped_note)) {
    const auto skipped = state_->last_broker_restart;
    if (skipped == 0) return;
    for (auto& [connection, will] : wills) {
      if (will.cut_by_restart == skipped) will.cut_by_restart = 0;
    }
    for (auto& will : state_->ended) {
      if (will.cut_by_restart == skipped) will.cut_by_restart = 0;
    }
    return;
  }
  // Most fleets have no will: then no lookup per event.
  auto found = wills.empty() ? wills.end() : wills.find(event.connection);
  if (event.kind == EventKind::closed && found != wills.end()) {
    // Only a session the broker accepted and the client did not end with DISCONNECT owes a will: the others
    // are settled now and need no memory.
    found->second.closed_ns = event.time_ns;
    if (found->second.accepted && !found->second.disconnected) state_->ended.push_back(std::move(found->second));
    wills.erase(found);
    return;
  }
  if (!event.packet) return;
  if (event.kind == EventKind::sent) {
    if (const auto* connect = std::get_if<Connect>(&*event.packet); connect && connect->will) {
      if (found == wills.end()) ++state_->sessions_with_will;
      wills[event.connection] = SessionWill{event.actor, connect->will->topic, connect->will->payload,
                                            static_cast<double>(connect->keep_alive), event.time_ns,
                                            event.time_ns};
      state_->will_topics.insert(connect->will->topic);
      return;
    }
    if (const auto* subscribe = std::get_if<Subscribe>(&*event.packet)) {
      auto& filters = state_->subscriptions[event.actor];
      for (const auto& subscription : subscribe->subscriptions) {
        // The first time a filter was asked for is all that counts (a resubscription adds nothing).
        const bool known = std::any_of(filters.begin(), filters.end(),
                                       [&](const auto& entry) { return entry.first == subscription.filter; });
        if (!known) filters.emplace_back(subscription.filter, event.time_ns);
      }
    }
    if (found == wills.end()) return;
    found->second.last_sent_ns = event.time_ns;
    if (std::holds_alternative<Disconnect>(*event.packet)) found->second.disconnected = true;
  } else if (event.kind == EventKind::received) {
    if (const auto* connack = std::get_if<Connack>(&*event.packet); connack && found != wills.end()) {
      found->second.accepted = connack->reason_code == 0;
    }
    // A retained copy sent to a new subscription is the store speaking, not the will being published.
    const auto* publish = std::get_if<Publish>(&*event.packet);
    if (!publish || publish->retain || !state_->will_topics.contains(publish->topic)) return;
    const std::string key = publish->topic + '\0' + std::string(publish->payload.begin(), publish->payload.end());
    state_->copies[key].push_back(Copy{event.time_ns, event.actor});
  }
}

nlohmann::json WillStatistics::finish() const {
  if (state_->sessions_with_will == 0) return nlohmann::json::object();
  auto copies = state_->copies;  // marked as used below
  const auto& subscriptions = state_->subscriptions;
  std::vector<const SessionWill*> due;
  for (const auto& will : state_->ended) due.push_back(&will);
  std::uint64_t restart_ended = 0, restart_delivered = 0;

  std::sort(due.begin(), due.end(), [](const SessionWill* left, const SessionWill* right) {
    return left->closed_ns != right->closed_ns ? left->closed_ns < right->closed_ns : left->actor < right->actor;
  });
  std::uint64_t delivered = 0, late = 0, missing = 0, unobserved = 0;
  std::vector<double> latency_ms, due_per_second, delivered_per_second;
  for (const auto* will : due) {
    if (will->cut_by_restart == 0) count_at(due_per_second, will->closed_ns);
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
    // Ended by a broker restart: counted apart, neither due nor missing (its copies are still taken, so that they
    // are not credited to a later will of the same client).
    if (will->cut_by_restart != 0) {
      ++restart_ended;
      if (first_copy_ns >= 0) ++restart_delivered;
      continue;
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
  // Like the fleet's timeline (per_second_series.hpp): past 7,200 seconds, entries `interval_s` seconds wide.
  const std::size_t interval_s = std::max<std::size_t>(1, (seconds + will_series_points - 1) / will_series_points);
  if (interval_s > 1) {
    for (auto* series : {&due_per_second, &delivered_per_second}) {
      std::vector<double> wider((series->size() + interval_s - 1) / interval_s, 0);
      for (std::size_t second = 0; second < series->size(); ++second) wider[second / interval_s] += (*series)[second];
      *series = std::move(wider);
    }
  }
  return {{"sessions_with_will", state_->sessions_with_will},
          {"interval_s", interval_s},
          {"due", due.size() - restart_ended},
          {"delivered", delivered},
          {"late", late},
          {"missing", missing},
          {"unobserved", unobserved},
          {"ended_by_broker_restart", {{"sessions", restart_ended}, {"published_anyway", restart_delivered}}},
          {"latency_ms", percentiles(latency_ms)},
          {"due_per_second", due_per_second},
          {"delivered_per_second", delivered_per_second}};
}

nlohmann::json compute_will_stats(const history::History& history) {
  WillStatistics statistics;
  for (const Event& event : history.events) statistics.observe(event);
  return statistics.finish();
}

}  // namespace mqtt::simulator
