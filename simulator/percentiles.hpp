// Exact percentiles of a list of values, for figures with few values (will latencies); the fleet's delivery
// and connect latencies go to histograms instead (latency_histogram.hpp), in bounded memory.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace mqtt::simulator {

// p50, p90, p99, p99.9 (nearest rank), count, max; {"count": 0} when empty. Sorts `values`. Exact.
nlohmann::json percentiles(std::vector<double>& values);

}  // namespace mqtt::simulator
