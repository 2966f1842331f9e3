#include "runner/fleet_statistics_stand_in.hpp"

#include "simulator/fleet_stats.hpp"

namespace mqtt::runner {

void FleetStatisticsStandIn::observe(const history::Event& event) {
  using history::EventKind;
  if (event.packet && event.kind == EventKind::sent) {
    if (const auto* connect = std::get_if<Connect>(&*event.packet)) versions_[event.connection] = connect->version;
  }
  const auto version = versions_.find(event.connection);
  // As compact as the fleet's own recorder keeps it: a packet whose decoding is its raw bytes costs the bytes.
  const bool compact = event.packet && !event.raw.empty() && !event.error && !event.frame &&
                       (event.kind == EventKind::sent || event.kind == EventKind::received) &&
                       version != versions_.end() && event.fault.empty() && event.detail.empty() &&
                       !event.close_reason;
  if (compact) {
    log_.append_packet(event.time_ns, event.connection, log_.intern_actor(event.actor), event.kind, version->second,
                       true, event.raw);
  } else {
    log_.append(event);
  }
}

nlohmann::json FleetStatisticsStandIn::finish() const {
  return simulator::compute_fleet_stats(log_.materialize(), spec_);
}

}  // namespace mqtt::runner
