// `convert`: a fleet scenario (scenarios/schema.json, read by runner/fleet_scenario) that reproduces the
// captured sessions as the simulator can express them: one group of one device per captured client session,
// with its client id, version, clean session, keep alive, will and subscriptions, started at its capture
// time, publishing its most frequent topic at its average rate, payload size, QoS mix and retain flag.
// Sessions whose CONNECT is not in the capture are left out and listed. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture/capture_analyser.hpp"

namespace mqtt::capture {

struct ScenarioConversion {
  nlohmann::ordered_json scenario;
  std::vector<std::string> skipped;  // one line per session left out, with the reason
};

ScenarioConversion capture_to_scenario(const CaptureAnalysis& analysis, const std::string& name);

}  // namespace mqtt::capture
