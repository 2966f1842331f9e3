// Statistics of a fleet run, computed from its history alone (so `report` could recompute them offline):
// connect latency, publish-to-delivery latency per QoS, throughput per second, reconnects, and losses and
// duplicates by cause. Pure.
//
// FleetStatistics takes the history one event at a time (the fleet feeds it while it runs and keeps no
// history); compute_fleet_stats feeds it a whole history. Memory is bounded by devices, subscriptions, retained
// writes and the messages in flight (awaited for at most `settle_window`, FleetStatisticsLimits), never by the
// number of messages: latencies go into histograms (latency_histogram.hpp, < 1 % relative error), a message is
// forgotten once every subscriber that expected it has its copy (or the window has passed, when the missing
// copies count as lost; later copies are told from duplicates by their numbers, seen_numbers.hpp),
// and the time axis has at most 2 × timeline_points points (per_second_series.hpp). docs/simulator.md
// ("Statistics in bounded memory") lists where the window can change a figure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "history/event.hpp"
#include "simulator/fleet_spec.hpp"
#include "simulator/message_token.hpp"  // the tokens of the messages counted here
#include "simulator/percentiles.hpp"

namespace mqtt::simulator {

struct FleetStatisticsLimits {
  // How long after its sending a message that some subscriber expected and has not got is still waited for (its
  // copies then count as lost), and how long after a message is settled a further copy still counts as a
  // duplicate rather than as a delivery of unknown origin.
  std::int64_t settle_window_ns = 60'000'000'000;
  std::size_t timeline_points = 7200;  // one point per second up to two hours, then wider points
};

class FleetStatistics {
 public:
  explicit FleetStatistics(const FleetSpec& spec);
  FleetStatistics(const FleetSpec& spec, const FleetStatisticsLimits& limits);
  FleetStatistics(FleetStatistics&&) noexcept;
  FleetStatistics& operator=(FleetStatistics&&) noexcept;
  ~FleetStatistics();

  // Events in history order (by time).
  void observe(const history::Event& event);
  // The statistics of everything observed so far; messages still awaited count as lost now. Can be called again.
  nlohmann::json finish() const;
  // Per-message entries held now: messages awaiting a copy (and their place in the sending order), the marks of
  // recently settled messages with unnumbered tokens, and the 64-bit words of the numbers seen (seen_numbers.hpp).
  std::size_t tracked() const;
  // Every entry held: tracked() plus per-device, per-connection, per-subscription and per-retained-write state.
  std::size_t tracked_state() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

nlohmann::json compute_fleet_stats(const history::History& history, const FleetSpec& spec);

}  // namespace mqtt::simulator
