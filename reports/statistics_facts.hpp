// The statistics of a run as short named facts ("Connect latency": "p50 4.1 ms, p99 12 ms, max 30 ms (1,097
// CONNACKs)"), read from results.stats. One wording for every format: the console summary, summary.md and
// report.html list the same facts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mqtt::reports {

struct StatisticsFact {
  std::string name;
  std::string text;
};

// In reading order: fleet size and connections, connect latency, throughput, expected vs delivered, delivery
// latency per QoS, losses and duplicates by cause, wills, retained status, faults; then anything else the
// stats hold (a replay's or capture's figures) as compact JSON. Empty for a run without statistics.
std::vector<StatisticsFact> statistics_facts(const nlohmann::json& stats);

// "p50 4.1 ms, p90 8 ms, p99 12 ms, p99.9 30 ms, max 30 ms" from a percentiles object; "" when it counts nothing.
std::string percentiles_text(const nlohmann::json& figures);

}  // namespace mqtt::reports
