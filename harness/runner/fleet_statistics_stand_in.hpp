// Stands in for simulator::FleetStatistics (the streamed accumulator helper `fleetstats` is building, with the
// same interface) until it lands: keeps the events in the compact EventLog and runs compute_fleet_stats on them
// at finish(). Memory is then still O(messages) for the statistics alone; replace the alias in fleet_judge.hpp
// and delete this file when simulator/fleet_stats.hpp has FleetStatistics.
#pragma once

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "history/event.hpp"
#include "history/event_log.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {

class FleetStatisticsStandIn {
 public:
  explicit FleetStatisticsStandIn(const simulator::FleetSpec& spec) : spec_(spec) {}
  void observe(const history::Event& event);
  nlohmann::json finish() const;

 private:
  simulator::FleetSpec spec_;
  history::EventLog log_;
  std::unordered_map<std::uint32_t, ProtocolVersion> versions_;  // connection -> its CONNECT's version
};

}  // namespace mqtt::runner
