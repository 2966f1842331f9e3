// Whether a fleet's own timeline fits inside its publishing window. A fault that starts after publishing ends, or
// lasts past it, or takes links down so late that its devices cannot be back before publishing ends, and a connect
// ramp whose last device is due after publishing ends, fall outside the run: the fleet would report "0 violations"
// for what it never exercised. Such a scenario (or `--duration`, `--scale` that make it so) is refused before the run
// starts, naming the event; what only the run can show (a reconnect that got no CONNACK) is judged afterwards
// (fleet_verdict.hpp). The rules, per fault kind (docs/simulator.md, "Timeline"):
//   every fault                      at_ms < duration_ms
//   latency, bandwidth, stall, blackhole, fragment, slow-reader
//                                    at_ms + duration_ms <= duration_ms
//   close, flapping                  end + reconnect.initial_ms < duration_ms (the first retry after the last reset)
//   partition                        end + connect deadline + reconnect.maximum_ms < duration_ms (a CONNECT sent
//                                    into the partition waits out its deadline, then backs off up to the maximum)
//   power-loss                       at_ms + duration_ms < duration_ms (devices reconnect as power returns)
//   broker-restart                   at_ms + down_ms + the longest reconnect.maximum_ms < duration_ms
//   connect ramp                     start_ms + (count - 1) / connect_rate < duration_ms
// Observers keep reconnecting through the settle time, so faults on observers may use duration_ms + settle_ms. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {

struct TimelineProblem {
  std::string object;             // JSON pointer of the scenario entry: "/faults/1", "/groups/0"
  std::vector<std::string> keys;  // its keys that place the event, best first ("duration_ms", "at_ms")
  std::string message;            // one sentence naming the event and the times
};

std::optional<TimelineProblem> find_timeline_problem(
    const simulator::FleetSpec& spec, std::chrono::milliseconds connect_deadline = std::chrono::seconds(5));

}  // namespace mqtt::runner
