#include "simulator/per_second_series.hpp"

#include <algorithm>
#include <cmath>

#include "simulator/fleet_stats.hpp"

namespace mqtt::simulator {
namespace {

std::size_t second_of(std::int64_t time_ns) {
  return static_cast<std::size_t>(std::max<std::int64_t>(0, time_ns) / 1'000'000'000);
}

nlohmann::json padded(std::vector<double> series, std::size_t seconds) {
  series.resize(seconds, 0);
  return series;
}

}  // namespace

void PerSecondSeries::bump(std::vector<double>& series, std::int64_t time_ns, double amount) {
  const auto second = second_of(time_ns);
  if (series.size() <= second) series.resize(second + 1, 0);
  series[second] += amount;
}

void PerSecondSeries::delivered(std::int64_t time_ns, QoS qos, double latency_ms) {
  bump(delivered_, time_ns, 1);
  auto& buckets = latency_[static_cast<int>(qos) % 3];
  const auto second = second_of(time_ns);
  if (buckets.size() <= second) buckets.resize(second + 1);
  buckets[second].push_back(latency_ms);
}

void PerSecondSeries::fault_event(std::int64_t time_ns, const std::string& kind) {
  fault_events_.emplace_back(time_ns, kind);
}

nlohmann::json PerSecondSeries::to_json(std::int64_t end_ns, const FleetSpec& spec) const {
  std::size_t seconds = second_of(end_ns) + 1;
  for (const auto* series : {&published_, &delivered_, &lost_, &connected_change_, &reconnects_}) {
    seconds = std::max(seconds, series->size());
  }
  nlohmann::json timeline = {{"seconds", seconds},
                             {"published", padded(published_, seconds)},
                             {"delivered", padded(delivered_, seconds)},
                             {"lost", padded(lost_, seconds)},
                             {"reconnects", padded(reconnects_, seconds)}};
  // Changes per second summed up: the number connected at the end of each second.
  std::vector<double> connected = connected_change_;
  connected.resize(seconds, 0);
  for (std::size_t second = 1; second < seconds; ++second) connected[second] += connected[second - 1];
  timeline["connected"] = connected;
  timeline["latency_ms"] = nlohmann::json::object();
  for (int qos = 0; qos < 3; ++qos) {
    if (latency_[qos].empty()) continue;
    nlohmann::json p50 = nlohmann::json::array(), p99 = nlohmann::json::array(), maximum = nlohmann::json::array();
    for (std::size_t second = 0; second < seconds; ++second) {
      if (second >= latency_[qos].size() || latency_[qos][second].empty()) {
        p50.push_back(nullptr);
        p99.push_back(nullptr);
        maximum.push_back(nullptr);
        continue;
      }
      std::vector<double> samples = latency_[qos][second];
      const auto figures = percentiles(samples);
      p50.push_back(figures["p50"]);
      p99.push_back(figures["p99"]);
      maximum.push_back(figures["max"]);
    }
    timeline["latency_ms"]["qos" + std::to_string(qos)] = {{"p50", p50}, {"p99", p99}, {"max", maximum}};
  }
  // The scheduled windows (a close fault is an instant: shown as its recorded events' span, at least 1 s wide),
  // with how many fault events the history recorded inside each.
  timeline["faults"] = nlohmann::json::array();
  for (const auto& fault : spec.faults) {
    const std::string kind(to_string(fault.kind));
    const std::int64_t from_ns = static_cast<std::int64_t>(fault.at_ms) * 1'000'000;
    const bool instant = fault.kind == FaultKind::close;
    const std::int64_t to_ns = from_ns + static_cast<std::int64_t>(instant ? 1000 : fault.duration_ms) * 1'000'000;
    std::uint64_t events = 0;
    for (const auto& [time_ns, event_kind] : fault_events_) {
      if (event_kind == kind && time_ns >= from_ns - 1'000'000'000 && time_ns <= to_ns + 1'000'000'000) ++events;
    }
    timeline["faults"].push_back({{"kind", kind},
                                  {"group", fault.group},
                                  {"fraction", fault.fraction},
                                  {"from_s", static_cast<double>(from_ns) / 1e9},
                                  {"to_s", static_cast<double>(to_ns) / 1e9},
                                  {"events", events}});
  }
  return timeline;
}

}  // namespace mqtt::simulator
