// Statistics of a fleet run, computed from its history alone (so `report` could recompute them offline):
// connect latency, publish-to-delivery latency per QoS, throughput per second, reconnects, and losses and
// duplicates by cause. Pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "history/event.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::simulator {

// The unique token at the start of every device message: "CLIENTID#N|" (the rest of the payload is padding).
std::string message_token(const std::string& client_id, std::uint64_t number);
// The token of a payload made by message_token, or "" when it has none.
std::string_view token_of(const Bytes& payload);

// p50, p90, p99, p99.9 (nearest rank), count, max; {"count": 0} when empty. Sorts `values`.
nlohmann::json percentiles(std::vector<double>& values);

nlohmann::json compute_fleet_stats(const history::History& history, const FleetSpec& spec);

}  // namespace mqtt::simulator
