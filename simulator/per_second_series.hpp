// The fleet's statistics on a time axis: published, delivered and lost messages, connected clients and
// reconnects, delivery latency percentiles per QoS, and the scheduled faults as intervals. Filled event by event
// by FleetStatistics (fleet_stats.hpp); pure.
//
// Bounded: one point per second while the run fits in `max_points` seconds (7,200 by default: two hours). A
// longer planned run (the spec's duration and settle time) gets points `interval_s` wide, the smallest whole
// number of seconds that fits; a run that outlasts its plan doubles the width whenever it would pass
// 2 × max_points, adding neighbours up. Counts are then sums over the interval. A point's latency percentiles
// come from a histogram of that point's deliveries (latency_histogram.hpp); where two points were merged after
// the fact, p50 is their count-weighted mean and p99 and max the larger of the two (an approximation, noted in
// docs/simulator.md). Memory: a few numbers per point, never per message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/packet.hpp"
#include "simulator/fleet_spec.hpp"
#include "simulator/latency_histogram.hpp"

namespace mqtt::simulator {

class PerSecondSeries {
 public:
  static constexpr std::size_t default_max_points = 7200;

  explicit PerSecondSeries(const FleetSpec& spec = FleetSpec{}, std::size_t max_points = default_max_points);

  void published(std::int64_t time_ns) { bump(published_, time_ns, 1); }
  void delivered(std::int64_t time_ns, QoS qos, double latency_ms) {
    delivered(time_ns, qos, latency_ms, LatencyHistogram::bucket_of(latency_ms));
  }
  // The same with the latency's histogram bucket (LatencyHistogram::bucket_of) already computed.
  void delivered(std::int64_t time_ns, QoS qos, double latency_ms, std::size_t latency_bucket);
  // A delivery whose sending this run did not see (or no longer remembers): counted, no latency.
  void delivered_without_latency(std::int64_t time_ns) { bump(delivered_, time_ns, 1); }
  void duplicate(std::int64_t time_ns) { bump(delivered_, time_ns, 1); }  // a copy counts as delivered, no latency
  void lost(std::int64_t published_ns) { bump(lost_, published_ns, 1); }
  void connected(std::int64_t time_ns) { bump(connected_change_, time_ns, 1); }
  void disconnected(std::int64_t time_ns) { bump(connected_change_, time_ns, -1); }
  void reconnected(std::int64_t time_ns) { bump(reconnects_, time_ns, 1); }
  void fault_event(std::int64_t time_ns, const std::string& kind);

  std::int64_t interval_s() const { return interval_s_; }
  std::size_t points() const;  // how many points are held now

  // {"seconds": N, "interval_s": W, "published": [...], "delivered": [...], "lost": [...], "connected": [...]
  // (clients with an accepted session at the end of each interval), "reconnects": [...], "latency_ms": {"qos1":
  // {"p50": [...], "p99": [...], "max": [...]}} (null where that interval had no delivery), "faults": [{"kind",
  // "group", "fraction", "from_s", "to_s", "events"}]}. N covers `end_ns`; every array has ceil(N / W) entries,
  // entry i covering [i·W, (i+1)·W) s from the history's start (W = 1 unless the run is longer than max_points s).
  nlohmann::json to_json(std::int64_t end_ns, const FleetSpec& spec) const;

 private:
  struct LatencyPoint {
    std::uint64_t count = 0;
    double p50 = 0, p99 = 0, max = 0;
  };
  struct FaultWindow {
    std::string kind;
    std::int64_t from_ns = 0, to_ns = 0;
    std::uint64_t events = 0;
  };

  std::size_t point_of(std::int64_t time_ns);  // may widen the interval first
  void bump(std::vector<double>& series, std::int64_t time_ns, double amount);
  void close_latency_point();
  void widen();

  std::size_t max_points_;
  std::int64_t interval_s_ = 1;
  std::vector<double> published_, delivered_, lost_, connected_change_, reconnects_;
  std::vector<LatencyPoint> latency_[3];  // per QoS, per closed point
  LatencyHistogram open_latency_[3];      // the deliveries of the newest point, per QoS
  std::size_t open_point_ = 0;
  std::vector<FaultWindow> fault_windows_;  // the spec's faults, in order, with the fault events seen in each
};

}  // namespace mqtt::simulator
