#pragma once
// What the fleet-drain tests against mosquitto share (fleet_drain_run_test.cpp, fleet_drain_owed_run_test.cpp).

#include <nlohmann/json.hpp>

#include "runner/fleet_run.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner::drain_test {

// A mosquitto without the default window of 20 unacknowledged messages per client: the drain tests hold or delay
// the observer's acknowledgements, and the window would then keep deliveries in the broker, which is not what
// they are about.
inline test_support::MosquittoOptions unlimited_inflight() {
  test_support::MosquittoOptions options;
  options.extra_config_lines = {"max_inflight_messages 0"};
  return options;
}

// The run's drain figures; {} when the run has none.
inline nlohmann::json drain_of(const FleetOutcome& outcome) {
  return outcome.results.stats.value("fleet", nlohmann::json::object()).value("drain", nlohmann::json::object());
}

}  // namespace mqtt::runner::drain_test
