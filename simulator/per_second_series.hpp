// The fleet's statistics on a time axis, one bucket per second of the history (second i covers [i, i+1) s from
// the history's start): published, delivered and lost messages, connected clients and reconnects, delivery
// latency percentiles per QoS, and the scheduled faults as intervals. Filled event by event by
// compute_fleet_stats; pure.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/packet.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::simulator {

class PerSecondSeries {
 public:
  void published(std::int64_t time_ns) { bump(published_, time_ns, 1); }
  void delivered(std::int64_t time_ns, QoS qos, double latency_ms);
  void duplicate(std::int64_t time_ns) { bump(delivered_, time_ns, 1); }  // a copy counts as delivered, no latency
  void lost(std::int64_t published_ns) { bump(lost_, published_ns, 1); }
  void connected(std::int64_t time_ns) { bump(connected_change_, time_ns, 1); }
  void disconnected(std::int64_t time_ns) { bump(connected_change_, time_ns, -1); }
  void reconnected(std::int64_t time_ns) { bump(reconnects_, time_ns, 1); }
  void fault_event(std::int64_t time_ns, const std::string& kind);

  // {"seconds": N, "published": [...], "delivered": [...], "lost": [...], "connected": [...] (clients with an
  // accepted session at the end of each second), "reconnects": [...], "latency_ms": {"qos1": {"p50": [...],
  // "p99": [...], "max": [...]}} (null where that second had no delivery), "faults": [{"kind", "group",
  // "fraction", "from_s", "to_s", "events"}]}. Every array has N entries; N covers `end_ns`.
  nlohmann::json to_json(std::int64_t end_ns, const FleetSpec& spec) const;

 private:
  static void bump(std::vector<double>& series, std::int64_t time_ns, double amount);
  std::vector<double> published_, delivered_, lost_, connected_change_, reconnects_;
  std::vector<std::vector<double>> latency_[3];  // per QoS, per second: the samples
  std::vector<std::pair<std::int64_t, std::string>> fault_events_;
};

}  // namespace mqtt::simulator
