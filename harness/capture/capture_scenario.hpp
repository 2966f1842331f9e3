// `convert`: a fleet scenario (scenarios/schema.json, read by runner/fleet_scenario) that reproduces the
// captured sessions as the simulator can express them: one group of one device per captured client, with its
// client id, version, clean session, keep alive, will and subscriptions, started at its capture time, publishing
// its most frequent topic at its average rate, payload size, QoS mix and retain flag.
// - A client that reconnects under the same client id (the normal case for DTUs) is one device whose sessions
//   become churn: online and offline for about as long as its captured sessions and the gaps between them,
//   leaving without DISCONNECT when most of its sessions did.
// - A fleet device publishes one topic. When several topics tie as the most frequent, the device publishes the
//   first and a companion device per other topic ("<client id>-topic-2", ...; no will, no subscriptions)
//   publishes the rest, so every tied topic and the message count are kept.
// - Sessions whose CONNECT is not in the capture are left out and listed. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture/capture_analyser.hpp"

namespace mqtt::capture {

struct ScenarioConversion {
  nlohmann::ordered_json scenario;   // its "groups" may be empty: nothing could be converted
  std::vector<std::string> skipped;  // one line per session left out, with the reason
  std::vector<std::string> notes;    // how sessions were merged or topics split
};

ScenarioConversion capture_to_scenario(const CaptureAnalysis& analysis, const std::string& name);

}  // namespace mqtt::capture
