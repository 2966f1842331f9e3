// FleetStatistics::finish(): the figures gathered so far as the statistics JSON (its fields: fleet_stats.hpp
// and docs/simulator.md).
#include <algorithm>
#include <string>

#include "simulator/fleet_stats_state.hpp"

namespace mqtt::simulator {

nlohmann::json FleetStatistics::State::finish() const {
  const std::int64_t history_end = any_event ? last_time_ns : 0;
  // The messages still awaited are judged at the end of the history, on copies: finish() may be called again.
  auto losses = losses_by_cause;
  PerSecondSeries series = timeline;
  for (const auto& [token_hash, message] : pending) count_losses(message, losses, series);

  nlohmann::json stats;
  std::uint64_t connections = 0, reconnects = 0;
  for (const auto count : opens) {
    connections += count;
    reconnects += count > 0 ? count - 1 : 0;
  }
  stats["fleet"] = {{"scenario", spec.name},      {"connections", connections},
                    {"reconnects", reconnects},   {"open_failures", open_failures},
                    {"connack_refused", refused}, {"faults_recorded", faults}};
  // Which connection attempts the broker took up: refused, unanswered and failed reconnects are no test of
  // it.
  const auto connects = outcomes.result();
  auto& fleet = stats["fleet"];
  fleet["connects_sent"] = connects.connects_sent;
  fleet["connack_accepted"] = connects.accepted;
  fleet["connack_refused_codes"] = nlohmann::json::object();
  for (const auto& [code, count] : connects.refused)
    fleet["connack_refused_codes"][std::to_string(code)] = count;
  fleet["connack_refused_version"] = std::string(to_string(connects.refused_version));
  fleet["connects_unanswered"] = connects.unanswered;
  fleet["reconnects_unanswered"] = connects.reconnects_unanswered;
  std::uint64_t ending_unconnected = 0;
  for (const auto& actor : connects.last_attempt_failed)
    ending_unconnected += connects.accepted_actors.count(actor);
  fleet["clients_ending_unconnected"] = ending_unconnected;
  stats["connect_latency_ms"] = connect_latency.to_json();
  for (int qos = 0; qos < 3; ++qos) {
    stats["delivery_latency_ms"]["qos" + std::to_string(qos)] = delivery_latency[qos].to_json();
  }
  stats["timeline"] = series.to_json(history_end, spec);
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
  if (auto will_figures = wills.finish(); !will_figures.empty()) stats["wills"] = std::move(will_figures);
  if (auto retained_figures = retained.finish(); !retained_figures.empty()) {
    stats["retained"] = std::move(retained_figures);
  }
  std::uint64_t duplicates = 0, lost = 0;
  for (const auto& [cause, count] : duplicates_by_cause) duplicates += count;
  for (const auto& [cause, count] : losses) lost += count;
  stats["messages"] = {{"published", published},
                       {"publish_packets_sent", publish_packets_sent},
                       {"publish_packets_received", publish_packets_received},
                       {"refused", refused_messages},
                       {"expected_deliveries", expected},
                       {"delivered", delivered},
                       {"lost", lost},
                       {"duplicates", duplicates}};
  stats["losses_by_cause"] = nlohmann::json::object();
  for (const auto& [cause, count] : losses) stats["losses_by_cause"][cause] = count;
  stats["duplicates_by_cause"] = nlohmann::json::object();
  for (const auto& [cause, count] : duplicates_by_cause) stats["duplicates_by_cause"][cause] = count;
  stats["faults_by_kind"] = nlohmann::json::object();
  for (const auto& [kind, count] : faults_by_kind) stats["faults_by_kind"][kind] = count;
  return stats;
}

}  // namespace mqtt::simulator
